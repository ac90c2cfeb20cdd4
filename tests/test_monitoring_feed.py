"""Monitoring's phone feed: plans, screening rounds and their households of the phone's area, first in a
full download, then change by change, with tombstones for what left the area (issue #23)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
from fastapi import FastAPI

from services.monitoring.phone_feed.sources import SOURCES
from tests.support.authz.world import household_request_body
from tests.support.database import libpq_url
from tests.support.events import relay_of
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    TOWN,
    make_areas,
    make_household,
    move_household,
    national_id,
)
from tests.support.system import Database

ESCAPED = {"category": "escaped", "poverty_exit_year": 2019, "registered_on": "2024-01-01"}
ROUND = {"name": "2025年拉网式大排查", "area_code": TOWN, "starts_on": "2025-05-01", "ends_on": "2025-06-30"}
FEED = "/api/v1/monitoring-feed/changes"


def plan(**fields: object) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "industry",
        "description": "茶园管护",
        "starts_on": "2025-03-01",
    } | fields


async def walk(admin: httpx.AsyncClient, headers: dict, cursor: str | None = None, limit: int = 500) -> tuple:
    """Every page until has_more is false: the records by (source, id), the tombstones, the last cursor."""
    records: dict[tuple[str, str], dict] = {}
    tombstones: list[tuple[str, str]] = []
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = await admin.get(FEED, params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        records.update({(r["source"], r["id"]): r["data"] for r in body["records"]})
        tombstones += [(t["source"], t["id"]) for t in body["tombstones"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return records, tombstones, cursor


async def walk_until(
    admin: httpx.AsyncClient,
    headers: dict,
    cursor: str,
    system: FastAPI,
    records: set,
    tombstones: set = frozenset(),
) -> tuple:
    """Walk again until the records and tombstones named came: a window ends at the oldest transaction
    open on the server, which another test run's (or a relay's) may hold back a moment; what it held
    back may come again too (a phone upserts, so a record sent twice does no harm)."""
    got: dict[tuple[str, str], dict] = {}
    gone: list[tuple[str, str]] = []
    for _ in range(150):
        await relay_of(system, "registry").deliver_pending()
        more, dropped, cursor = await walk(admin, headers, cursor)
        got |= more
        gone += dropped
        if records <= set(got) and tombstones <= set(gone):
            break
        await asyncio.sleep(0.2)
    return got, gone, cursor


async def test_a_village_phone_gets_its_plans_rounds_and_round_households(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    ours = [await make_household(admin, HUANGJIN, members=1, **ESCAPED) for _ in range(3)]
    theirs = await make_household(admin, LONGQUAN, members=1, **ESCAPED)
    measures = []
    for household in [*ours, theirs]:
        made = await admin.post(f"/api/v1/plans/{household['id']}/measures", json=plan())
        assert made.status_code == 201, made.text
        measures.append(made.json())
    county = await user_headers("county", "county_admin", COUNTY)
    round_ = (await admin.post("/api/v1/screening-rounds", json=ROUND, headers=county)).json()
    phone = await user_headers("cadre-hj", "village_cadre", HUANGJIN)

    # The full download, a record a page: the village's plans, the town's round, its village's doors.
    records, tombstones, cursor = await walk(admin, phone, limit=1)
    assert tombstones == []
    assert {k for k in records if k[0] == "plans"} == {("plans", m["id"]) for m in measures[:3]}
    assert ("rounds", round_["id"]) in records and records[("rounds", round_["id"])]["due"] == 4
    doors = {r["household_id"] for (source, _), r in records.items() if source == "round_households"}
    assert doors == {h["id"] for h in ours}
    assert len(records) == 3 + 1 + 3
    again, _, cursor = await walk(admin, phone, cursor)
    assert set(again) <= set(records)  # nothing new since (what a held-back window re-sends at most)

    # Changes: a new plan, a measure's progress, the round closed; another village's plan is not sent.
    added = (await admin.post(f"/api/v1/plans/{ours[0]['id']}/measures", json=plan(kind="health"))).json()
    progress = {"base_version": 1, "status": "in_progress"}
    assert (await admin.patch(f"/api/v1/measures/{measures[1]['id']}", json=progress)).status_code == 200
    assert (await admin.patch(f"/api/v1/measures/{measures[3]['id']}", json=progress)).status_code == 200
    closing = {"base_version": 1}
    closed = await admin.post(f"/api/v1/screening-rounds/{round_['id']}/close", json=closing, headers=county)
    assert closed.status_code == 200, closed.text
    wanted = {("plans", added["id"]), ("plans", measures[1]["id"]), ("rounds", round_["id"])}
    changed, tombstones, cursor = await walk_until(admin, phone, cursor, system, wanted)
    assert wanted <= set(changed) <= wanted | set(records)
    assert ("plans", measures[3]["id"]) not in changed  # another village's
    assert changed[("plans", measures[1]["id"])]["status"] == "in_progress"
    assert changed[("rounds", round_["id"])]["state"] == "closed" and tombstones == []

    # A household moving away takes its plan along: the village's phone is told to drop it.
    await move_household(admin, ours[2], LONGQUAN)
    gone = {("plans", measures[2]["id"])}
    changed, tombstones, cursor = await walk_until(admin, phone, cursor, system, set(), gone)
    assert set(tombstones) == gone and ("plans", measures[2]["id"]) not in changed


async def test_cursors_are_checked(admin: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    await make_areas(admin)
    phone = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    other = await user_headers("cadre-lq", "village_cadre", LONGQUAN)
    _, _, cursor = await walk(admin, phone)
    moved = await admin.get(FEED, params={"cursor": cursor}, headers=other)
    assert (moved.status_code, moved.json()["code"]) == (409, "sync_restart")
    restarted = await admin.get(FEED, params={"cursor": moved.json()["cursor"]}, headers=other)
    assert restarted.status_code == 200, restarted.text
    bad = await admin.get(FEED, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=phone)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_cursor")


async def test_every_source_is_logged_by_the_trigger(clean_database: Database) -> None:
    """The two lists of sources (sources.SOURCES and sql/070_phone_feed.sql) agree."""
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        rows = await conn.fetch(
            """SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) AS definition
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE c.relnamespace = 'monitoring'::regnamespace AND t.tgname LIKE 'phone_feed_%'"""
        )
    finally:
        await conn.close()
    logged = {
        (r["relname"], r["tgname"], r["definition"].split("phone_feed_note(")[1].split(")")[0]) for r in rows
    }
    expected = {
        (s.table.__tablename__, trigger, f"'{s.name}', '{'down' if s.reaches_down else ''}'")
        for s in SOURCES
        for trigger in ("phone_feed_insert", "phone_feed_update")
    }
    assert logged == expected


async def test_requests_and_children_reach_their_villages_phone_and_not_anothers(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    """A household's request (诉求) taken by phone or at the office is on the village's phones, so the
    cadre who follows it up has it offline; another village's phone never gets it."""
    await make_areas(admin)
    ours = await make_household(admin, HUANGJIN, members=1)
    theirs = await make_household(admin, LONGQUAN, members=1)
    made = []
    for household, village in ((ours, HUANGJIN), (theirs, LONGQUAN)):
        request = await admin.post(
            "/api/v1/household-requests", json=household_request_body(household["id"], village)
        )
        assert request.status_code == 201, request.text
        made.append(request.json()["id"])
    # A child the police data knows in each village (控辍保学): the village's phone gets its own only.
    police = await user_headers("gongan", "bureau_partner", COUNTY)
    children = [
        {
            "record_id": f"gongan-{village}",
            "national_id": national_id("20150101"),
            "name": "李小明",
            "area_code": village,
        }
        for village in (HUANGJIN, LONGQUAN)
    ]
    fed = await admin.post(
        "/api/v1/school-children/population/batch", json={"records": children}, headers=police
    )
    assert fed.status_code == 200 and fed.json()["created"] == 2, fed.text
    child = fed.json()["items"][0]["child_id"]
    phone = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    records, tombstones, _ = await walk(admin, phone)
    requests = {k[1]: r for k, r in records.items() if k[0] == "requests"}
    assert set(requests) == {made[0]} and tombstones == []
    assert requests[made[0]]["household_id"] == ours["id"] and requests[made[0]]["state"] == "received"
    assert {k[1] for k in records if k[0] == "children"} == {child}
