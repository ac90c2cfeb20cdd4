"""The village profile (村情, 篇5): groups and households' dated moves between them, the typed profile
per year edited with base_version, the figures counted from the registry on a day (parts need not add
up), a merge combining profiles from its date, and a cadre paired with a whole group."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import UserFactory
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas, make_household

PROFILE = {
    "arable_mu": 1650.0,
    "forest_mu": 5700.0,
    "grain_to_green_mu": 763.5,
    "road_hardened_km": 9.8,
    "road_dirt_km": 8.0,
    "water": "全村仅有两条山沟，约一半农户存在不同程度的饮水困难",
    "facilities": ["村委会", "卫生室"],
}


async def household(admin: httpx.AsyncClient, village: str = HUANGJIN, **fields: Any) -> dict[str, Any]:
    return await make_household(
        admin, village, members=fields.pop("members", 2), registered_on="2025-01-01", **fields
    )


async def group(admin: httpx.AsyncClient, village: str, number: int) -> dict[str, Any]:
    made = await admin.post(f"/api/v1/areas/{village}/groups", json={"number": number, "name": f"{number}组"})
    assert made.status_code == 201, made.text
    return made.json()


async def join(admin: httpx.AsyncClient, house: dict, group_id: str | None, day: str) -> httpx.Response:
    return await admin.post(
        f"/api/v1/households/{house['id']}/group", json={"group_id": group_id, "effective_on": day}
    )


async def test_the_typed_profile_is_edited_with_base_version_and_the_figures_come_from_households(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    # Houses: 2 brick, 1 bought in town, 3 earth-walled, 1 not recorded: the parts are 6 of 7.
    houses = []
    for housing in ["brick", "brick", "bought_in_town", "adobe", "adobe", "adobe", None]:
        water = "unsafe" if housing in ("adobe", "brick") else "safe"
        houses.append(await household(admin, housing_type=housing, drinking_water=water))
    poor = await household(admin, category="escaped", members=3)
    await household(admin, programmes=[{"programme": "dibao", "starts_on": "2025-01-01"}], members=1)
    await household(admin, programmes=[{"programme": "tekun", "starts_on": "2025-01-01"}], members=1)
    await household(admin, SHUANGFENG)  # another village's: counts nowhere here

    url = f"/api/v1/areas/{HUANGJIN}/profiles/2026"
    created = await admin.put(url, json=PROFILE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["version"], body["arable_mu"], body["grain_to_green_mu"], body["road_km"]) == (
        1,
        1650.0,
        763.5,
        17.8,
    )
    figures = body["figures"]
    assert (figures["households"], figures["people"]) == (10, 2 * 7 + 3 + 1 + 1)
    assert figures["housing"] == {"brick": 2, "adobe": 3, "bought_in_town": 1, "other": 0, "not_recorded": 4}
    assert figures["water_unsafe"] == 5
    assert figures["poor"] == {"households": 1, "people": 3}
    assert (figures["dibao"]["households"], figures["wubao"]["households"]) == (1, 1)
    assert poor["category"] == "escaped"

    # An earth-walled house rebuilt in brick (危房改造) is counted so at once, without any typing.
    rebuilt = await admin.patch(
        f"/api/v1/households/{houses[3]['id']}", json={"base_version": 1, "housing_type": "brick"}
    )
    assert rebuilt.status_code == 200, rebuilt.text
    figures = (await admin.get(url)).json()["figures"]
    assert figures["housing"] == {"brick": 3, "adobe": 2, "bought_in_town": 1, "other": 0, "not_recorded": 4}

    # The household figures are never typed; a change needs the version read, and a stale one is refused.
    typed = await admin.put(url, json=PROFILE | {"households": 216})
    assert typed.status_code == 422
    assert (await admin.put(url, json=PROFILE | {"arable_mu": 1700.0})).status_code == 422  # no version
    changed = await admin.put(url, json=PROFILE | {"arable_mu": 1700.0, "base_version": 1})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["arable_mu"]) == (2, 1700.0)
    stale = await admin.put(url, json=PROFILE | {"base_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["arable_mu"] == 1700.0
    # Before the households were registered, the village had none.
    early = (await admin.get(url, params={"as_of": "2024-12-31"})).json()
    assert early["figures"]["households"] == 0 and early["arable_mu"] == 1700.0
    # A later year with nothing typed shows the latest typed year's land and roads, saying which.
    later = (await admin.get(f"/api/v1/areas/{HUANGJIN}/profiles/2027")).json()
    assert (later["typed_year"], later["arable_mu"], later["year"]) == (2026, 1700.0, 2027)
    assert (await admin.put(f"/api/v1/areas/{HUANGJIN}/profiles/2027", json=PROFILE)).status_code == 201


async def test_groups_and_dated_moves_between_them(
    admin: httpx.AsyncClient, user_headers: UserFactory, system: FastAPI
) -> None:
    await make_areas(admin)
    one, two = await group(admin, HUANGJIN, 1), await group(admin, HUANGJIN, 2)
    again = await admin.post(f"/api/v1/areas/{HUANGJIN}/groups", json={"number": 1, "name": "1组"})
    assert again.status_code == 200 and again.json()["id"] == one["id"]
    taken = await admin.post(f"/api/v1/areas/{HUANGJIN}/groups", json={"number": 1, "name": "一组"})
    assert taken.status_code == 409
    other = await group(admin, LONGQUAN, 1)

    house = await household(admin)
    assert (await join(admin, house, one["id"], "2025-03-01")).status_code == 200
    moved = await join(admin, house, two["id"], "2025-06-01")
    assert [(p["group_id"], p["starts_on"], p["ends_on"]) for p in moved.json()] == [
        (one["id"], "2025-03-01", "2025-05-31"),
        (two["id"], "2025-06-01", None),
    ]
    assert (await admin.get(f"/api/v1/households/{house['id']}")).json()["group_no"] == 2
    wrong = await join(admin, house, other["id"], "2025-07-01")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "group_of_other_village"
    before = await join(admin, house, one["id"], "2025-05-01")
    assert before.status_code == 422

    def counts(page: dict) -> dict[int, tuple[int, int]]:
        return {g["number"]: (g["households"], g["people"]) for g in page["items"]}

    url = f"/api/v1/areas/{HUANGJIN}/groups"
    assert counts((await admin.get(url, params={"as_of": "2025-04-01"})).json()) == {1: (1, 2), 2: (0, 0)}
    assert counts((await admin.get(url, params={"as_of": "2025-07-01"})).json()) == {1: (0, 0), 2: (1, 2)}
    paged = (await admin.get(url, params={"limit": 1})).json()
    assert len(paged["items"]) == 1 and paged["next_cursor"]

    # Another village's cadre sees none of it: the village, the group in a body, the household.
    cadre = await user_headers("cadre_lq", "village_cadre", LONGQUAN)
    assert (await admin.get(url, headers=cadre)).status_code == 404
    lq_house = await household(admin, LONGQUAN)
    foreign = await admin.post(
        f"/api/v1/households/{lq_house['id']}/group", json={"group_id": one["id"]}, headers=cadre
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["code"] == "group_not_found"
    assert (await admin.get(f"/api/v1/households/{house['id']}/groups", headers=cadre)).status_code == 404


async def test_a_merge_combines_the_profiles_from_its_date(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    for _ in range(3):
        await household(admin, HUANGJIN)
    for _ in range(2):
        await household(admin, LONGQUAN, category="escaped")
    assert (await admin.put(f"/api/v1/areas/{HUANGJIN}/profiles/2026", json=PROFILE)).status_code == 201
    longquan = {
        "arable_mu": 1970.0,
        "forest_mu": 4000.0,
        "grain_to_green_mu": 500.0,
        "road_hardened_km": 6.0,
        "road_dirt_km": 5.0,
    }
    assert (await admin.put(f"/api/v1/areas/{LONGQUAN}/profiles/2026", json=longquan)).status_code == 201
    merge = {"target_code": HUANGJIN, "source_codes": [LONGQUAN], "effective_on": "2026-03-01"}
    assert (await admin.post("/api/v1/area-merges", json=merge)).status_code == 201

    url = f"/api/v1/areas/{HUANGJIN}/profiles/2026"
    before = (await admin.get(url, params={"as_of": "2026-02-28"})).json()
    assert (before["arable_mu"], before["merged_from"], before["figures"]["households"]) == (1650.0, [], 3)
    after = (await admin.get(url, params={"as_of": "2026-03-01"})).json()
    assert (after["arable_mu"], after["road_km"], after["merged_from"]) == (3620.0, 28.8, [LONGQUAN])
    assert (after["figures"]["households"], after["figures"]["people"]) == (5, 10)
    assert after["figures"]["poor"] == {"households": 2, "people": 4}
    assert after["valid_from"] == "2026-03-01"
    # The combined profile is edited like any other, from its own version.
    edited = await admin.put(url, json=PROFILE | {"arable_mu": 3620.0, "base_version": after["version"]})
    assert edited.status_code == 200, edited.text
    # The report's 村情 rows: the town's villages (the merged-away one is gone) on the day.
    stats = await admin.get(
        "/api/v1/registry-stats/village-profiles", params={"area": TOWN, "as_of": "2026-06-30"}
    )
    assert stats.status_code == 200, stats.text
    rows = stats.json()["villages"]
    assert [(r["area_code"], r["arable_mu"], r["households"]) for r in rows] == [(HUANGJIN, 3620.0, 5)]


async def test_a_cadre_paired_with_a_group_covers_its_households_in_visit_compliance(
    system: FastAPI, admin: httpx.AsyncClient
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, visit_interval_days=30)
    one = await group(admin, HUANGJIN, 1)
    a, b, c = [await household(admin) for _ in range(3)]
    for house in (a, b):
        assert (await join(admin, house, one["id"], "2025-01-01")).status_code == 200
    cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "张科长", "unit": "县政府办"})
    ).json()
    url = f"/api/v1/cadres/{cadre['id']}/group-pairings"
    paired = await admin.post(url, json={"group_id": one["id"], "starts_on": "2025-01-01"})
    assert paired.status_code == 201, paired.text
    assert paired.json()["households"] == 2
    assert (await admin.post(url, json={"group_id": one["id"]})).status_code == 200  # paired already
    # A household joining later is covered from the day it joins; one leaving is no longer.
    assert (await join(admin, c, one["id"], "2025-05-01")).status_code == 200
    assert (await join(admin, b, None, "2025-05-01")).status_code == 200
    visit = inspection(a["id"], visited_at="2025-06-20T10:00:00+08:00", cadre_id=cadre["id"])
    assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    # Monitoring learns the pairings from the registry's events (a delivery may wait for other
    # transactions on a shared server to end: asked again until all four are there, one ended).
    for _ in range(100):
        await relay_of(system, "registry").deliver_pending()
        report = (await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})).json()
        if [i["household_id"] for i in report["items"]] == [c["id"]] and report["pairings"] == 2:
            break
        await asyncio.sleep(0.1)
    assert {x["name"]: (x["pairings"], x["overdue"]) for x in report["by_cadre"]} == {"张科长": (2, 1)}
    assert [i["household_id"] for i in report["items"]] == [c["id"]]

    ended = await admin.post(
        f"/api/v1/cadres/group-pairings/{paired.json()['id']}/end", json={"ends_on": "2025-06-30"}
    )
    assert ended.status_code == 200 and ended.json()["households"] == 0


async def test_the_phones_sync_feed_carries_the_groups_and_the_profile(
    admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    one = await group(admin, HUANGJIN, 1)
    await household(admin)
    assert (await admin.put(f"/api/v1/areas/{HUANGJIN}/profiles/2026", json=PROFILE)).status_code == 201
    await group(admin, LONGQUAN, 1)  # another village's: never on this phone
    phone = await user_headers("cadre_hj", "village_cadre", HUANGJIN)

    first = (await admin.get("/api/v1/sync/changes", headers=phone)).json()
    assert not first["has_more"]
    [village] = first["villages"]
    assert (village["area_code"], [g["id"] for g in village["groups"]]) == (HUANGJIN, [one["id"]])
    assert (village["profile"]["arable_mu"], village["profile"]["version"]) == (1650.0, 1)

    # Nothing changed: the next sync sends no village again; a new group sends the village whole.
    params = {"cursor": first["next_cursor"]}
    again = (await admin.get("/api/v1/sync/changes", headers=phone, params=params)).json()
    assert again["villages"] in ([], first["villages"])  # within the margin it may come again
    two = await group(admin, HUANGJIN, 2)
    later = (await admin.get("/api/v1/sync/changes", headers=phone, params=params)).json()
    assert [g["id"] for g in later["villages"][0]["groups"]] == [one["id"], two["id"]]


async def test_a_household_moved_to_another_village_leaves_its_group_and_the_group_pairing(
    admin: httpx.AsyncClient,
) -> None:
    await make_areas(admin)
    one = await group(admin, HUANGJIN, 1)
    house = await household(admin)
    assert (await join(admin, house, one["id"], "2025-01-01")).status_code == 200
    cadre = (
        await admin.post("/api/v1/cadres", json={"area_code": TOWN, "name": "刘科长", "unit": "县政府办"})
    ).json()
    paired = await admin.post(f"/api/v1/cadres/{cadre['id']}/group-pairings", json={"group_id": one["id"]})
    assert paired.json()["households"] == 1
    current = (await admin.get(f"/api/v1/households/{house['id']}")).json()
    body = {"to_area_code": SHUANGFENG, "base_version": current["version"], "effective_on": "2025-08-01"}
    assert (await admin.post(f"/api/v1/households/{house['id']}/move", json=body)).status_code == 200
    periods = (await admin.get(f"/api/v1/households/{house['id']}/groups")).json()
    assert [(p["group_id"], p["ends_on"]) for p in periods] == [(one["id"], "2025-07-31")]
    cadres = (await admin.get(f"/api/v1/households/{house['id']}/cadres")).json()
    assert [c["assignment"]["current"] for c in cadres] == [False]
