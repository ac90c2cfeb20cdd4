"""篇5's village profile from the demo: 黄金村's typed land and roads, and its households, people, houses,
water and 贫困户/低保/五保 counted from the demo's ledger — before the merge with 龙泉村 and after it."""

from __future__ import annotations

import httpx

from fangpin.demo_households import load_households
from fangpin.demo_profile import load_village_profile

HUANGJIN, LONGQUAN = "610924105201", "610924105202"
AREAS = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县"),
         ("610924105000", "蒿坪镇"), (HUANGJIN, "黄金村"), (LONGQUAN, "龙泉村"), ("610924108000", "双丰镇"),
         ("610924108201", "双丰村"), ("610924108202", "新华村"), ("610924108203", "红星村"),
         ("610924108204", "团结村")]  # fmt: skip


async def test_the_demo_profile_reproduces_huangjin_before_and_after_the_merge(
    admin: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for code, name in AREAS:
        assert (await admin.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
    await load_households(admin, admin_headers)

    before = (
        await admin.get(f"/api/v1/areas/{HUANGJIN}/profiles/2023", params={"as_of": "2023-06-30"})
    ).json()
    assert (before["arable_mu"], before["forest_mu"], before["grain_to_green_mu"]) == (1650.0, 5700.0, 763.5)
    assert (before["road_hardened_km"], before["road_dirt_km"], before["road_km"]) == (9.8, 8.0, 17.8)
    figures = before["figures"]
    assert (figures["households"], figures["people"], figures["groups"]) == (216, 783, 10)
    # 33 + 46 + 118 = 197 of 216: the parts do not add up, and the profile does not pretend they do.
    assert figures["housing"] == {
        "brick": 33,
        "adobe": 118,
        "bought_in_town": 46,
        "other": 0,
        "not_recorded": 19,
    }
    assert figures["water_unsafe"] == 108  # about half
    assert figures["poor"] == {"households": 128, "people": 430}
    assert (figures["dibao"]["households"], figures["wubao"]["households"]) == (15, 20)

    after = (
        await admin.get(f"/api/v1/areas/{HUANGJIN}/profiles/2024", params={"as_of": "2024-06-30"})
    ).json()
    assert (after["arable_mu"], after["merged_from"], after["forest_mu"]) == (3620.0, [LONGQUAN], None)
    figures = after["figures"]
    assert (figures["households"], figures["people"]) == (456, 1763)
    assert figures["poor"] == {"households": 181, "people": 610}
    assert (figures["dibao"]["households"], figures["wubao"]["households"]) == (26, 22)

    groups = (await admin.get(f"/api/v1/areas/{HUANGJIN}/groups", params={"as_of": "2023-06-30"})).json()
    assert len(groups["items"]) == 10 and sum(g["households"] for g in groups["items"]) == 216
    # The two section-level leaders each cover their whole group.
    first = groups["items"][0]
    cadres = (await admin.get("/api/v1/cadres", params={"name": "正科级"})).json()["items"]
    paired = await admin.get("/api/v1/households", params={"cadre_id": cadres[0]["id"], "limit": 500})
    assert len(paired.json()["items"]) == first["households"] > 0

    # Loading again changes nothing.
    again = await load_village_profile(admin, admin_headers)
    assert (again["profiles"], again["groups"], again["households_grouped"]) == (0, 0, 0)
