"""篇5's village profile (村情) of 黄金村, loaded through the API before the demo's merge with 龙泉村.

Typed: arable 1,650亩, forest 5,700余亩, 退耕还林 763.5亩, roads 17.8 km (9.8 hardened, 8 dirt); 龙泉村's
arable land is what the merge adds to reach 3,620亩 (1,970亩; the seeds give none of its other figures,
so the merged village's are unknown, not smaller). Counted, never typed: 216户783人, houses 33 brick,
46 bought in town and 118 earth-walled (197: 19 households' housing is not recorded), about half short
of water — the demo's ledger rows for 黄金村 carry those (``seed_housing``). Its 10 groups hold its
households (each by its ledger's 组 number), and the county office's two section-level leaders are each
paired with a whole group (科级领导每人包联一个组).
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx

logger = logging.getLogger("fangpin.demo")

HUANGJIN, LONGQUAN = "610924105201", "610924105202"
YEAR = 2023
GROUPS = 10
HUANGJIN_HOUSEHOLDS = 216
PROFILES = {
    HUANGJIN: {
        "arable_mu": 1650.0,
        "forest_mu": 5700.0,
        "grain_to_green_mu": 763.5,
        "road_hardened_km": 9.8,
        "road_dirt_km": 8.0,
        "water": "全村仅有两条山沟，径流量小且落差大，引水工程建设难度大；约一半农户存在不同程度的饮水困难",
        "facilities": ["村委会", "村卫生室"],
        "note": "353人常年外出务工；辖区内现有三处小型移民安置点",
    },
    LONGQUAN: {"arable_mu": 1970.0},
}
# 篇5: a 正科级 and a 副科级 leader of the county office, each paired with one group.
LEADERS = [("正科级领导", 1), ("副科级领导", 2)]
# 黄金村's houses by the seed: 33 brick, 46 bought in town, 118 earth-walled, the rest not recorded.
HOUSING = [("brick", 33), ("bought_in_town", 46), ("adobe", 118)]


def seed_housing(index: int) -> tuple[str, str]:
    """The housing type ("" when not recorded) and drinking water of 黄金村's ``index``-th household,
    spread over the ledger (7 is prime to 216) rather than by category."""
    position = (index * 7) % HUANGJIN_HOUSEHOLDS
    water = "unsafe" if position % 2 == 0 else "safe"  # 108 of 216: about half
    for housing, count in HOUSING:
        if position < count:
            return housing, water
        position -= count
    return "", water


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fangpin-demo:profile:{name}"))


def _ok(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"demo {what}: {response.status_code} {response.text[:500]}")
    return response


async def load_village_profile(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    """Profiles, groups, the households in them and the group pairings (each skipped when there)."""
    counts = {"profiles": 0, "groups": 0}
    for village, profile in PROFILES.items():
        response = await client.put(f"/api/v1/areas/{village}/profiles/{YEAR}", json=profile, headers=auth)
        if response.status_code != 422:  # 422: it exists (a change needs its version): left as it is
            counts["profiles"] += _ok(response, f"profile {village}").status_code == 201
    groups = {}
    for number in range(1, GROUPS + 1):
        body = {"number": number, "name": f"{number}组"}
        response = await client.post(f"/api/v1/areas/{HUANGJIN}/groups", json=body, headers=auth)
        if response.status_code == 409:  # renamed since: the demo leaves it
            continue
        groups[number] = _ok(response, f"group {number}").json()["id"]
        counts["groups"] += response.status_code == 201
    counts["households_grouped"] = await _group_households(client, auth, groups)
    for name, number in LEADERS:
        if number not in groups:
            continue
        cadre = {"id": _id(name), "area_code": HUANGJIN, "name": name, "unit": "紫阳县人民政府办公室"}
        _ok(await client.post("/api/v1/cadres", json=cadre, headers=auth), f"cadre {name}")
        pairing = {"id": _id(f"{name}:group"), "group_id": groups[number], "starts_on": f"{YEAR}-01-01"}
        _ok(
            await client.post(f"/api/v1/cadres/{cadre['id']}/group-pairings", json=pairing, headers=auth),
            f"group pairing {name}",
        )
    return counts


JOINS_AT_ONCE = 8


async def _group_households(client: httpx.AsyncClient, auth: dict[str, str], groups: dict[int, str]) -> int:
    listed = await client.get(f"/api/v1/areas/{HUANGJIN}/groups", params={"limit": 50}, headers=auth)
    if sum(g["households"] for g in _ok(listed, "groups").json()["items"]) >= HUANGJIN_HOUSEHOLDS:
        return 0  # loaded before
    moved, cursor = 0, None
    while True:
        params: dict[str, str | int] = {"within": HUANGJIN, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = _ok(await client.get("/api/v1/households", params=params, headers=auth), "households").json()
        joins = []
        for household in page["items"]:
            number = 1 + ((household.get("group_no") or 1) - 1) % GROUPS  # the ledger's 组 (1-12)
            if number in groups:
                joins.append((household, {"group_id": groups[number], "effective_on": f"{YEAR}-01-01"}))
        # A few at a time: each is its own small write, and one after another they took half a minute.
        for start in range(0, len(joins), JOINS_AT_ONCE):
            answers = await asyncio.gather(
                *(
                    client.post(f"/api/v1/households/{household['id']}/group", json=body, headers=auth)
                    for household, body in joins[start : start + JOINS_AT_ONCE]
                )
            )
            for (household, _), answer in zip(joins[start : start + JOINS_AT_ONCE], answers, strict=True):
                _ok(answer, f"group of {household['number']}")
        moved += len(joins)
        cursor = page.get("next_cursor")
        if not cursor:
            return moved
