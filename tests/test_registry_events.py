"""The registry's event feed: typed events in commit order, only for the caller's area, none lost."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import asyncpg
import httpx
from fastapi import FastAPI

from services.registry.events.relay import MEMBERS_WANTS, MONITORING_WANTS, RegistryEventSource
from services.registry.events.schemas import EventType
from services.registry.events.service import event_types
from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.events import relay_of
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    delete_household,
    make_areas,
    make_household,
    move_household,
)
from tests.support.system import Database, asgi_client


async def all_events(client: httpx.AsyncClient, cursor: str | None = None) -> tuple[list[dict], str]:
    events: list[dict] = []
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/registry-events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor


async def test_health_death_and_moves_become_typed_events(
    admin: httpx.AsyncClient, user_headers: UserFactory, system
) -> None:
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=2)
    await make_household(admin, SHUANGFENG, members=1)
    created, cursor = await all_events(admin)
    assert sum("household.created" in e["types"] for e in created) == 2

    child = next(m for m in household["members"] if m["relation"] == "child")
    await admin.patch(f"/api/v1/people/{child['id']}", json={"base_version": 1, "health": "serious"})
    await admin.patch(f"/api/v1/people/{child['id']}", json={"base_version": 2, "deceased_on": "2026-11-01"})
    await admin.post(
        f"/api/v1/households/{household['id']}/move", json={"base_version": 1, "to_area_code": LONGQUAN}
    )
    later, cursor = await all_events(admin, cursor)
    by_type = [(e["entity_id"], t) for e in later for t in e["types"]]
    assert (child["id"], "person.health_changed") in by_type
    assert (child["id"], "person.deceased") in by_type
    assert (household["id"], "household.moved") in by_type
    health = next(e for e in later if "person.health_changed" in e["types"])
    assert health["changes"]["health"] == ["healthy", "serious"] and health["fields"] == ["health"]
    moved = next(e for e in later if "household.moved" in e["types"])
    assert (moved["old_area_code"], moved["area_code"]) == (HUANGJIN, LONGQUAN)
    assert (await admin.get("/api/v1/registry-events", params={"cursor": cursor})).json()["items"] == []

    # A cadre of 双丰村 sees only its village's events.
    async with asgi_client(
        system, headers=await user_headers("cadre_ev", "village_cadre", SHUANGFENG)
    ) as cadre:
        own, _ = await all_events(cadre)
        assert {e["area_code"] for e in own} == {SHUANGFENG}
        foreign = await cadre.get("/api/v1/registry-events", params={"cursor": cursor})
        assert foreign.status_code == 422


async def test_the_relay_reads_every_change_each_event_type_comes_from(
    admin: httpx.AsyncClient, database: Database
) -> None:
    """The relay reads only the change-log rows that can give a subscriber's types (``rows_for``): for
    every kind of change, each row that gives a type must be among the rows its filter selects."""
    await make_areas(admin)
    household = await make_household(admin, HUANGJIN, members=3)
    other = await make_household(admin, SHUANGFENG, members=2)
    child, second = [m for m in household["members"] if m["relation"] == "child"]
    steps = [
        ("PATCH", f"/api/v1/people/{child['id']}", {"base_version": 1, "health": "serious"}),
        (
            "PATCH",
            f"/api/v1/people/{child['id']}",
            {"base_version": 2, "health": "disabled", "disability_grade": 2},
        ),
        ("PATCH", f"/api/v1/people/{child['id']}", {"base_version": 3, "deceased_on": "2026-11-01"}),
        ("PATCH", f"/api/v1/people/{child['id']}", {"base_version": 4, "deceased_on": None}),  # a mistake
        ("PATCH", f"/api/v1/people/{child['id']}", {"base_version": 5, "deceased_on": "2026-11-02"}),
        (
            "POST",
            f"/api/v1/people/{second['id']}/move",
            {"to_household_id": other["id"], "reason": "marriage", "relation": "spouse", "base_version": 1},
        ),
    ]
    for method, path, body in steps:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 200, response.text
    await move_household(admin, (await admin.get(f"/api/v1/households/{household['id']}")).json(), LONGQUAN)
    cadre = await admin.post(
        "/api/v1/cadres", json={"area_code": SHUANGFENG, "name": "李建国", "unit": "镇政府"}
    )
    body = {"household_id": other["id"], "starts_on": "2026-01-01"}
    pairing = (await admin.post(f"/api/v1/cadres/{cadre.json()['id']}/assignments", json=body)).json()
    assert (await admin.post(f"/api/v1/cadres/assignments/{pairing['id']}/end", json={})).status_code == 200
    gone = next(m for m in other["members"] if m["relation"] == "child")
    deleted = await admin.post(f"/api/v1/people/{gone['id']}/delete", headers={"If-Match": '"1"'})
    assert deleted.status_code == 200, deleted.text
    await delete_household(admin, (await admin.get(f"/api/v1/households/{other['id']}")).json())

    source = RegistryEventSource()
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:

        async def selected(types: frozenset[str]) -> set[int]:
            query = f"SELECT id FROM registry.record_changes WHERE {source.rows_for(types)}"  # noqa: S608
            return {r["id"] for r in await conn.fetch(query)}

        rows = await conn.fetch("SELECT id, entity_type, action, changes FROM registry.record_changes")
        given: dict[str, set[int]] = {}
        for row in rows:
            change = SimpleNamespace(**dict(row) | {"changes": json.loads(row["changes"] or "null")})
            for kind in event_types(change):  # type: ignore[arg-type]
                given.setdefault(kind.value, set()).add(row["id"])
        assert set(given) == {t.value for t in EventType}  # every kind of change happened
        for kind in EventType:
            assert given[kind.value] <= await selected(frozenset({kind.value})), kind
        assert await selected(MONITORING_WANTS) == set().union(*(given[t] for t in MONITORING_WANTS))
        assert await selected(MEMBERS_WANTS) == set().union(*(given[t] for t in MEMBERS_WANTS))
        assert await selected(frozenset(given)) == {r["id"] for r in rows}
    finally:
        await conn.close()


async def test_the_relay_stores_its_position_past_rows_a_feed_does_not_want_and_nothing_when_idle(
    admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    """Changes a feed does not take (here: households created, which the alerts' feed does not want)
    move its stored position past them, so a drained log reads as drained and the next
    window does not read them again; a tick with nothing new in the log writes no position."""
    await make_areas(admin)
    relay = relay_of(system, "registry")
    await relay.deliver_pending()  # every feed has a stored position
    for _ in range(3):  # which the alerts' feed does not want (the members' feed does)
        await make_household(admin, HUANGJIN, members=1)
    positions = "SELECT subscriber, (position->>'x')::bigint AS x, updated_at FROM registry.event_deliveries"
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        last_change = await conn.fetchval("SELECT max(xid::text::bigint) FROM registry.record_changes")
        for _ in range(150):  # a window ends at the oldest open transaction on the server: another run's
            await relay.deliver_pending()
            stored = {r["subscriber"]: r for r in await conn.fetch(positions)}
            if len(stored) == len(relay.subscriptions) and all(r["x"] > last_change for r in stored.values()):
                break
            await asyncio.sleep(0.2)
        assert {s.subscriber for s in relay.subscriptions} == set(stored)
        assert all(r["x"] > last_change for r in stored.values()), (last_change, stored)

        for _ in range(3):  # other transactions move the horizon; the log has nothing new
            await conn.execute("SELECT pg_current_xact_id()")
        assert await relay.deliver_pending() == 0
        again = {r["subscriber"]: r for r in await conn.fetch(positions)}
        assert again == stored
    finally:
        await conn.close()
