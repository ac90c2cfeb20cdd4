"""Monitoring counts people as the registry does: each household's members on the date asked (kept from
the registry's events), not the household_size a visit typed, which is checked against them instead.

A household known only through its own declaration counts its members; a birth, a death and a move
change the figure from their own dates (backdated too); the registry's statistics of the same village
agree; the rollups equal the raw recount; and an existing deployment, whose monitoring has not heard of
the members yet, shows its households as unsized until the registry's history has replayed.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.common.database import async_url
from services.monitoring.stats.service import recounted_monitoring_stats
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, TOWN, make_areas, make_household, member
from tests.support.system import Database
from tests.test_monitoring_stats import alerts_of, backdate, enrol, open_case, sql

URL = "/api/v1/monitoring-stats"
SINCE = "2024-12-01"


def people(figures: dict[str, Any]) -> tuple[int, int, int]:
    """(households, people, unsized) of the monitored households (监测对象)."""
    monitored = figures["monitored"]
    return monitored["households"], monitored["people"], monitored["households_unsized"]


def in_deliberation(figures: dict[str, Any]) -> tuple[int, int, int]:
    [tally] = [s for s in figures["cases_by_state"] if s["state"] == "village_deliberation"]
    return tally["households"], tally["people"], tally["households_unsized"]


async def post_visit(admin: httpx.AsyncClient, household: dict, day: str, size: int, **answers: Any) -> str:
    body = inspection(household["id"], visited_at=f"{day}T10:00:00+08:00", wages=1000, size=size)
    response = await admin.post("/api/v1/inspections", json=body | answers)
    assert response.status_code == 201, response.text
    return body["id"]


async def registry_people(admin: httpx.AsyncClient, area: str, day: str) -> int:
    response = await admin.get("/api/v1/registry-stats/households", params={"area": area, "as_of": day})
    assert response.status_code == 200, response.text
    return response.json()["people"]


async def stats(admin: httpx.AsyncClient, area: str, day: str) -> dict[str, Any]:
    response = await admin.get(URL, params={"area": area, "as_of": day})
    assert response.status_code == 200, response.text
    return response.json()


async def world(system: FastAPI, admin: httpx.AsyncClient, database: Database, levels: dict) -> dict:
    """Huangjin's household (3 members) found poor on 3-01 by a visit typing 5 people, enrolled on 3-15;
    a child born on 4-01, a member dead on 5-01, one moving out (backdated) on 6-01. Longquan's household
    (2 members) only declared itself (no visit), in village deliberation from 3-05."""
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    found = await make_household(admin, HUANGJIN, members=3, registered_on=SINCE)
    other = await make_household(admin, HUANGJIN, members=1, registered_on=SINCE)
    declared = await make_household(admin, LONGQUAN, members=2, registered_on=SINCE)
    visit_id = await post_visit(admin, found, "2025-03-01", size=5)
    case = await enrol(admin, database, await open_case(admin, found, levels["county"]), levels, "marginal")
    await backdate(
        database, case["id"], ["2025-03-01", "2025-03-03", "2025-03-10", "2025-03-12", "2025-03-15"]
    )
    declaration = {
        "id": str(uuid.uuid4()),
        "household_id": declared["id"],
        "area_code": LONGQUAN,
        "risk_code": "illness",
        "reason": "户主突发重病住院",
    }
    assert (await admin.post("/api/v1/alerts/declarations", json=declaration)).status_code == 201
    assert await alerts_of(admin, declared)
    declared_case = await open_case(admin, declared, levels["county"])
    await backdate(database, declared_case["id"], ["2025-03-05"])

    born = member("child", name="王小宝", registered_on="2025-04-01")
    assert (await admin.post(f"/api/v1/households/{found['id']}/members", json=born)).status_code == 201
    head, child, _ = sorted(found["members"], key=lambda m: m["relation"] != "head")
    died = await admin.patch(
        f"/api/v1/people/{child['id']}", json={"base_version": 1, "deceased_on": "2025-05-01"}
    )
    assert died.status_code == 200, died.text
    [third] = [m for m in found["members"] if m["id"] not in (head["id"], child["id"])]
    move = {
        "to_household_id": other["id"],
        "reason": "marriage",
        "effective_on": "2025-06-01",
        "relation": "spouse",
    }
    moved = await admin.post(f"/api/v1/people/{third['id']}/move", json=move | {"base_version": 1})
    assert moved.status_code == 200, moved.text
    await relay_of(system, "registry").deliver_pending()
    return {"visit_id": visit_id, "found": found}


# As of each day: Huangjin's monitored household (households, people, unsized), and Longquan's
# declared household in village deliberation.
EXPECTED = {
    "2025-03-14": ((0, 0, 0), (1, 2, 0)),  # not enrolled yet
    "2025-03-15": ((1, 3, 0), (1, 2, 0)),  # the visit's 5 is not the count
    "2025-04-01": ((1, 4, 0), (1, 2, 0)),  # born
    "2025-05-01": ((1, 3, 0), (1, 2, 0)),  # died
    "2025-06-01": ((1, 2, 0), (1, 2, 0)),  # moved out
}


async def test_people_are_the_registry_members_on_the_date(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    levels = {
        "county": await user_headers("county", "county_admin", COUNTY),
        "town": await user_headers("town", "town_reviewer", TOWN),
    }
    made = await world(system, admin, clean_database, levels)
    engine = create_async_engine(async_url(clean_database.app_url))
    try:
        for day, (monitored, deliberating) in EXPECTED.items():
            town = await stats(admin, TOWN, day)
            huangjin, longquan = (
                next(c for c in town["children"] if c["area_code"] == a) for a in (HUANGJIN, LONGQUAN)
            )
            assert (people(huangjin), in_deliberation(longquan)) == (monitored, deliberating), day
            assert people(town) == monitored and in_deliberation(town) == deliberating, day
            # The registry's own figure for Longquan (its one household) is the same people.
            assert await registry_people(admin, LONGQUAN, day) == deliberating[1], day
            async with AsyncSession(engine) as session:
                day_ = date.fromisoformat(day)
                recounted = await recounted_monitoring_stats(session, "", TOWN, 12, day_, [])
            assert town == recounted.model_dump(mode="json"), day  # no cadre paired: zeros either way
    finally:
        await engine.dispose()

    # The visit typed 5 people where the registry had 3 that day: a data check shown with the visit,
    # not an alert and not the count.
    visit = (await admin.get(f"/api/v1/inspections/{made['visit_id']}")).json()
    assert [(c["code"], c["severity"]) for c in visit["checks"]] == [("household_size_differs", "low")]
    assert "走访填报家庭人口5人，户籍登记3人（2025-03-01）" in visit["checks"][0]["reason"]
    risks = {a["risk_code"] for a in await alerts_of(admin, made["found"])}
    assert "household_size_differs" not in risks
    # A visit typing what the registry has (two people after the move) checks clean.
    agreeing = await post_visit(admin, made["found"], "2025-06-10", size=2)
    assert (await admin.get(f"/api/v1/inspections/{agreeing}")).json()["checks"] == []
    listed = (await admin.get("/api/v1/inspections", params={"household_id": made["found"]["id"]})).json()
    assert {i["id"]: len(i["checks"]) for i in listed["items"]} == {made["visit_id"]: 1, agreeing: 0}

    # A date of death recorded by mistake, then taken back: the head counts again.
    head = next(m for m in made["found"]["members"] if m["relation"] == "head")
    version = 1
    for deceased_on, expected in (("2025-07-01", (1, 1, 0)), (None, (1, 2, 0))):
        body = {"base_version": version, "deceased_on": deceased_on}
        changed = await admin.patch(f"/api/v1/people/{head['id']}", json=body)
        assert changed.status_code == 200, changed.text
        version = changed.json()["version"]
        await relay_of(system, "registry").deliver_pending()
        assert people(await stats(admin, HUANGJIN, "2025-07-10")) == expected, deceased_on


async def test_households_are_unsized_until_the_registry_history_replays(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    """As an upgraded deployment starts: monitoring's copy of the members empty, the registry's feed of
    them with no position yet. Households are unsized, never 0 people, until the replay arrives."""
    levels = {
        "county": await user_headers("county", "county_admin", COUNTY),
        "town": await user_headers("town", "town_reviewer", TOWN),
    }
    await world(system, admin, clean_database, levels)
    for statement in (
        "DELETE FROM monitoring.registry_person_moves",
        "DELETE FROM monitoring.registry_people",
        "DELETE FROM monitoring.registry_households",
        "DELETE FROM monitoring.inbox_events WHERE event_type IN "
        "('household.created', 'household.deleted', 'person.created', 'person.moved', 'person.deceased')",
        "DELETE FROM registry.event_deliveries WHERE subscriber = 'monitoring:members'",
        "SELECT monitoring.rollup_refresh(ARRAY(SELECT household_id FROM monitoring.cases))",
    ):
        await sql(clean_database, statement)
    before = await stats(admin, TOWN, "2025-04-01")
    assert (people(before), in_deliberation(before)) == ((1, 0, 1), (1, 0, 1))

    await relay_of(system, "registry").deliver_pending()  # the whole history, from the first change
    for day, expected in EXPECTED.items():
        then = await stats(admin, TOWN, day)
        assert (people(then), in_deliberation(then)) == expected, day
