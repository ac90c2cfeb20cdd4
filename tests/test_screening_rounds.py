"""Screening rounds (拉网式大排查): a county opens a round for an area, a window and a kind of household;
visits within the window count; coverage per village and cadre on a day; the unvisited list; closing
freezes the figures (issue #23, acceptance 2)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, TOWN, make_areas, make_household

ESCAPED = {"category": "escaped", "poverty_exit_year": 2019, "registered_on": "2024-01-01"}
ROUND = {
    "name": "2025年第二季度拉网式大排查",
    "area_code": TOWN,
    "starts_on": "2025-05-01",
    "ends_on": "2025-06-30",
}


async def pair(admin: httpx.AsyncClient, name: str, village: str, households: list[dict]) -> str:
    cadre = await admin.post("/api/v1/cadres", json={"area_code": village, "name": name, "unit": "镇政府"})
    assert cadre.status_code == 201, cadre.text
    for household in households:
        body = {"household_id": household["id"], "starts_on": "2025-01-01"}
        paired = await admin.post(f"/api/v1/cadres/{cadre.json()['id']}/assignments", json=body)
        assert paired.status_code == 201, paired.text
    return str(cadre.json()["id"])


async def pairings_arrive(system: FastAPI, admin: httpx.AsyncClient, count: int) -> None:
    """The registry's events bring the pairings to monitoring (the window waits for transactions that
    other test runs on the server hold open, so deliver until they are there)."""
    relay = relay_of(system, "registry")
    for _ in range(150):
        await relay.deliver_pending()
        compliance = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})).json()
        if compliance["pairings"] >= count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the pairings did not arrive")


async def visit(admin: httpx.AsyncClient, household: dict, day: str, village: str = HUANGJIN) -> None:
    body = inspection(household["id"], visited_at=f"{day}T10:00:00+08:00", area_code=village)
    assert (await admin.post("/api/v1/inspections", json=body)).status_code == 201


async def test_coverage_per_village_and_cadre_counts_visits_in_the_window_only(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    a1, a2 = [await make_household(admin, HUANGJIN, members=1, **ESCAPED) for _ in range(2)]
    b1 = await make_household(admin, LONGQUAN, members=1, **ESCAPED)
    ordinary = await make_household(admin, HUANGJIN, members=1, registered_on="2024-01-01")
    li = await pair(admin, "李干部", HUANGJIN, [a1, a2])
    wang = await pair(admin, "王干部", LONGQUAN, [b1])
    await pairings_arrive(system, admin, 3)

    county = await user_headers("county-admin", "county_admin", COUNTY)
    body = ROUND | {"id": str(uuid.uuid4()), "households": "escaped"}
    opened = await admin.post("/api/v1/screening-rounds", json=body, headers=county)
    assert opened.status_code == 201, opened.text
    round_ = opened.json()
    assert (round_["due"], round_["state"], round_["version"]) == (3, "open", 1)
    again = await admin.post("/api/v1/screening-rounds", json=body, headers=county)
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    changed = await admin.post("/api/v1/screening-rounds", json=body | {"name": "别的"}, headers=county)
    assert (changed.status_code, changed.json()["code"]) == (409, "round_id_in_use")

    await visit(admin, a1, "2025-05-10")  # in the window
    await visit(admin, a2, "2025-04-20")  # before it: does not count
    await visit(admin, b1, "2025-07-05", LONGQUAN)  # after it: does not count
    await visit(admin, ordinary, "2025-05-12")  # not a household of the round

    url = f"/api/v1/screening-rounds/{round_['id']}"
    june = (await admin.get(f"{url}/coverage", params={"as_of": "2025-06-30"})).json()
    assert (june["total"]["due"], june["total"]["visited"], june["frozen"]) == (3, 1, False)
    assert {v["key"]: (v["name"], v["due"], v["visited"]) for v in june["by_village"]} == {
        HUANGJIN: ("黄金村", 2, 1),
        LONGQUAN: ("龙泉村", 1, 0),
    }
    assert {c["key"]: (c["name"], c["due"], c["visited"]) for c in june["by_cadre"]} == {
        li: ("李干部", 2, 1),
        wang: ("王干部", 1, 0),
    }
    early = (await admin.get(f"{url}/coverage", params={"as_of": "2025-05-05"})).json()
    assert early["total"]["visited"] == 0  # a1's visit came later
    late = (await admin.get(f"{url}/coverage", params={"as_of": "2025-08-01"})).json()
    assert late["total"]["visited"] == 1  # b1's visit of July is after the window

    unvisited = (await admin.get(f"{url}/unvisited", params={"as_of": "2025-06-30", "limit": 1})).json()
    first = unvisited["items"]
    rest = (
        await admin.get(
            f"{url}/unvisited", params={"as_of": "2025-06-30", "cursor": unvisited["next_cursor"]}
        )
    ).json()
    listed = {u["household_id"]: u["cadre_ids"] for u in first + rest["items"]}
    assert listed == {a2["id"]: [li], b1["id"]: [wang]} and rest["next_cursor"] is None

    # A village's cadre sees the town's round, and only its village in it.
    cadre = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    assert (await admin.get(url, headers=cadre)).status_code == 200
    assert [
        r["id"] for r in (await admin.get("/api/v1/screening-rounds", headers=cadre)).json()["items"]
    ] == [round_["id"]]
    mine = (await admin.get(f"{url}/coverage", params={"as_of": "2025-06-30"}, headers=cadre)).json()
    assert (mine["total"]["due"], mine["total"]["visited"], [v["key"] for v in mine["by_village"]]) == (
        2,
        1,
        [HUANGJIN],
    )
    refused = await admin.post(f"{url}/close", json={"base_version": 1}, headers=cadre)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")

    # Closing freezes the figures: a visit of the window that arrives afterwards changes nothing.
    stale = await admin.post(f"{url}/close", json={"base_version": 9}, headers=county)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    closed = await admin.post(f"{url}/close", json={"base_version": 1}, headers=county)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["closed_as_of"]) == ("closed", "2025-06-30")
    await visit(admin, a2, "2025-06-15")
    frozen = (await admin.get(f"{url}/coverage")).json()
    assert (frozen["frozen"], frozen["as_of"], frozen["total"]["visited"], frozen["total"]["due"]) == (
        True,
        "2025-06-30",
        1,
        3,
    )
    assert {u["household_id"] for u in (await admin.get(f"{url}/unvisited")).json()["items"]} == {
        a2["id"],
        b1["id"],
    }
    mine = (await admin.get(f"{url}/coverage", headers=cadre)).json()
    assert (mine["total"]["due"], mine["total"]["visited"]) == (2, 1)
    twice = await admin.post(f"{url}/close", json={"base_version": 2}, headers=county)
    assert (twice.status_code, twice.json()["code"]) == (409, "round_closed")
    assert [
        r["id"]
        for r in (await admin.get("/api/v1/screening-rounds", params={"state": "open"})).json()["items"]
    ] == []


async def test_opening_a_round_checks_the_area_and_the_window(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=1, registered_on="2024-01-01")
    await make_household(admin, HUANGJIN, members=1, **ESCAPED)
    town = await user_headers("town-admin", "county_admin", TOWN)
    outside = await admin.post(
        "/api/v1/screening-rounds", json=ROUND | {"area_code": "610924108000"}, headers=town
    )
    assert (outside.status_code, outside.json()["code"]) == (403, "outside_scope")
    backwards = ROUND | {"starts_on": "2025-07-01"}
    wrong = await admin.post("/api/v1/screening-rounds", json=backwards, headers=town)
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (422, "ends_before_start")
    everyone = await admin.post("/api/v1/screening-rounds", json=ROUND, headers=town)
    ordinary = await admin.post(
        "/api/v1/screening-rounds", json=ROUND | {"households": "ordinary"}, headers=town
    )
    assert (everyone.json()["due"], ordinary.json()["due"]) == (2, 1)
    reviewer = await user_headers("town-reviewer", "town_reviewer", TOWN)
    denied = await admin.post("/api/v1/screening-rounds", json=ROUND, headers=reviewer)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert (await admin.get(f"/api/v1/screening-rounds/{uuid.uuid4()}")).json()["code"] == "round_not_found"


async def test_the_same_round_sent_twice_at_once_opens_one_round(admin: httpx.AsyncClient) -> None:
    """A county office's double click, or a retry racing its original: one round, both answered with it."""
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=1, **ESCAPED)
    body = ROUND | {"id": str(uuid.uuid4())}
    first, second = await asyncio.gather(
        admin.post("/api/v1/screening-rounds", json=body), admin.post("/api/v1/screening-rounds", json=body)
    )
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
    assert first.json()["id"] == second.json()["id"] == body["id"]
    assert first.json()["due"] == second.json()["due"] == 1
    listed = (await admin.get("/api/v1/screening-rounds")).json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]
    other = await admin.post("/api/v1/screening-rounds", json=body | {"name": "另一轮"})
    assert (other.status_code, other.json()["code"]) == (409, "round_id_in_use")
