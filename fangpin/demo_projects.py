"""The demo's projects and their money, from the seeds, loaded through the API.

篇1: the town's 2023 project library; a 150万元 central-fund greenhouse project in 双丰村, started, due
early August. 篇4: a prefecture's 72 projects and 4.41亿元 received — 保障房配套 15项 1.56亿, 农林水牧 22项
1.01亿, 社会事业 17项 1.00亿, 定居/危旧房改造 18项 0.84亿 — part of it counterpart support (援疆) from
the province that supports it, all of that to grassroots and livelihood projects (the 80% rule). The
seed blanks the prefecture's name; the demo puts it in 昌吉回族自治州 (code and names illustrative).
Amounts per project are the sector's total spread evenly; dates are illustrative.

篇1 also asks for the yearly check and title of assets (核查清算和确权) and the public notice of each
asset's income distribution (收益分配公示): the town's village photovoltaic station in 双丰村 (a 2021
project, handed over, so an asset titled to the village collective) with its 2022 income distributed
through a notice that took effect — mostly to public-welfare post wages, as 篇1's 光伏 posts are paid.
Capacity, amounts and dates are illustrative.

Ids are fixed (UUID 5), so loading again answers each create as a retry; a load already complete is
skipped after one look at the figures.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from fangpin.demo_jobs import ok_json
from fangpin.demo_stations import load_stations

NAMESPACE = uuid.UUID("0c2f7d7e-8b1e-4f55-a3a4-3c9d1f6b2e10")
YUAN = 100  # fen
WAN = 10_000 * YUAN
PREFECTURE, PREFECTURE_COUNTY = "652300000000", "652301000000"
PREFECTURE_AREAS = [
    ("650000000000", "新疆维吾尔自治区"),
    (PREFECTURE, "昌吉回族自治州"),
    (PREFECTURE_COUNTY, "昌吉市"),
]
# 篇4's table: sector → (projects, 到位资金 in 万元).
SECTORS = {
    "housing_facilities": (15, 15_600, "保障房配套设施"),
    "agriculture": (22, 10_100, "农林水牧基础设施"),
    "social": (17, 10_000, "社会事业"),
    "settlement_housing": (18, 8_400, "游牧民定居及危旧房改造"),
}
GREENHOUSE = {
    "id": str(uuid.uuid5(NAMESPACE, "project:shuangfeng-greenhouse")),
    "year": 2023,
    "name": "双丰村温室大棚建设项目",
    "area_code": "610924108201",
    "sector": "industry",
    "implementing_unit": "双丰村股份经济合作社",
    "entered_on": "2023-01-10",
    "planned_start_on": "2023-03-01",
    "planned_end_on": "2023-08-05",
    "budget": [{"source": "central", "budget_fen": 150 * WAN}],
}
CONCURRENCY = 8


def split(total: int, parts: int) -> list[int]:
    share, rest = divmod(total, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]


def prefecture_projects() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """篇4's 72 projects, each with the receipt of its whole budget; every fourth is counterpart support."""
    projects: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for sector, (count, wan, title) in SECTORS.items():
        for i, fen in enumerate(split(wan * WAN, count)):
            source = "counterpart" if i % 4 == 0 else "central"
            key = f"project:{sector}:{i}"
            project = {
                "id": str(uuid.uuid5(NAMESPACE, key)),
                "year": 2023,
                "name": f"{title}项目（{i + 1}）",
                "area_code": PREFECTURE_COUNTY,
                "sector": sector,
                "implementing_unit": "昌吉市发展和改革委员会",
                "entered_on": "2023-02-20",
                "planned_start_on": "2023-03-31" if i % 2 == 0 else "2023-04-15",  # two batches
                "budget": [{"source": source, "budget_fen": fen}],
            }
            receipt = {
                "id": str(uuid.uuid5(NAMESPACE, f"{key}:received")),
                "source": source,
                "kind": "received",
                "amount_fen": fen,
                "on": "2023-03-20",
                "voucher": f"州发改投资〔2023〕{len(projects) + 1}号",
            }
            projects.append((project, receipt))
    return projects


async def load_projects(client: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    for code, name in PREFECTURE_AREAS:
        ok_json(
            await client.post("/api/v1/areas", json={"code": code, "name": name}, headers=auth),
            f"area {code}",
        )
    loaded = await _load_greenhouse(client, auth)
    loaded += await _load_station_asset(client, auth)
    station = ok_json(
        await client.get(f"/api/v1/projects/{STATION['id']}", headers=auth), "the station project"
    )
    loaded += await load_stations(client, auth, station["asset_id"])
    figures = await client.get("/api/v1/project-stats", params={"area": PREFECTURE}, headers=auth)
    if ok_json(figures, "project figures")["projects"] >= sum(c for c, _, _ in SECTORS.values()):
        return {"projects": loaded}
    gate = asyncio.Semaphore(CONCURRENCY)

    async def enter(project: dict[str, Any], receipt: dict[str, Any]) -> int:
        async with gate:
            made = await client.post("/api/v1/projects", json=project, headers=auth)
            ok_json(made, f"project {project['name']}")
            url = f"/api/v1/projects/{project['id']}/fund-movements"
            ok_json(await client.post(url, json=receipt, headers=auth), f"money of {project['name']}")
            return 1 if made.status_code == 201 else 0

    loaded += sum(await asyncio.gather(*(enter(p, r) for p, r in prefecture_projects())))
    return {"projects": loaded}


async def _load_greenhouse(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    made = await client.post("/api/v1/projects", json=GREENHOUSE, headers=auth)
    ok_json(made, "the greenhouse project")
    if made.json()["state"] != "in_library":
        return 0
    url = f"/api/v1/projects/{GREENHOUSE['id']}"
    receipt = {
        "id": str(uuid.uuid5(NAMESPACE, "greenhouse:received")),
        "source": "central",
        "kind": "received",
        "amount_fen": 150 * WAN,
        "on": "2023-02-15",
        "voucher": "财农〔2023〕8号",
    }
    ok_json(await client.post(f"{url}/fund-movements", json=receipt, headers=auth), "the greenhouse's money")
    for action, on in (("approve", "2023-02-10"), ("start", "2023-03-06")):
        ok_json(await client.post(f"{url}/actions", json={"action": action, "on": on}, headers=auth), action)
    payment = receipt | {
        "id": str(uuid.uuid5(NAMESPACE, "greenhouse:paid")),
        "kind": "paid",
        "amount_fen": 60 * WAN,
        "on": "2023-05-10",
        "voucher": "双丰镇财政所支付凭证0512",
    }
    ok_json(
        await client.post(f"{url}/fund-movements", json=payment, headers=auth), "the greenhouse's payment"
    )
    return 1


STATION = GREENHOUSE | {
    "id": str(uuid.uuid5(NAMESPACE, "project:shuangfeng-pv-station")),
    "year": 2021,
    "name": "双丰村村级光伏扶贫电站（100千瓦）",
    "sector": "industry",
    "implementing_unit": "双丰镇人民政府",
    "entered_on": "2021-03-01",
    "planned_start_on": "2021-04-01",
    "planned_end_on": "2021-09-30",
    "budget": [{"source": "central", "budget_fen": 80 * WAN}],
}


async def _load_station_asset(client: httpx.AsyncClient, auth: dict[str, str]) -> int:
    """The station built, handed over (forming its asset), titled, checked, and its 2022 income
    distributed through a notice that ran its week without objection."""
    made = ok_json(await client.post("/api/v1/projects", json=STATION, headers=auth), "the station project")
    url = f"/api/v1/projects/{STATION['id']}"
    if made["state"] == "in_library":
        for kind, on, voucher in (
            ("received", "2021-03-20", "财农〔2021〕5号"),
            ("paid", "2021-10-15", "双丰镇财政所支付凭证1015"),
        ):
            movement = {
                "id": str(uuid.uuid5(NAMESPACE, f"station:{kind}")),
                "source": "central",
                "kind": kind,
                "amount_fen": 80 * WAN,
                "on": on,
                "voucher": voucher,
            }
            ok_json(
                await client.post(f"{url}/fund-movements", json=movement, headers=auth), f"station {kind}"
            )
        for action, on in (
            ("approve", "2021-03-15"),
            ("start", "2021-04-06"),
            ("complete", "2021-09-20"),
            ("accept", "2021-10-10"),
            ("hand_over", "2021-10-20"),
        ):
            made = ok_json(
                await client.post(f"{url}/actions", json={"action": action, "on": on}, headers=auth), action
            )
    asset_id = made["asset_id"]
    if asset_id is None:
        return 0
    asset_url = f"/api/v1/assets/{asset_id}"
    asset = ok_json(await client.get(asset_url, headers=auth), "the station asset")
    if asset["owner_type"] is not None:  # loaded before
        return 0
    title = {
        "base_version": asset["version"],
        "owner_type": "village_collective",
        "owner_name": "双丰村股份经济合作社",
        "upkeep_owner": "双丰村村民委员会（管护员：村光伏管护员）",
    }
    ok_json(await client.patch(asset_url, json=title, headers=auth), "the station's title")
    for year, on in ((2022, "2022-03-18"), (2023, "2023-03-22")):
        check = {"year": year, "checked_on": on, "result": "normal"}
        ok_json(await client.post(f"{asset_url}/checks", json=check, headers=auth), f"the {year} check")
    income = {"income_fen": 9 * WAN + 6_000 * YUAN}  # 9.6万元 of power sold in 2022
    ok_json(await client.put(f"{asset_url}/incomes/2022", json=income, headers=auth), "the 2022 income")
    notice = {
        "subject": "distribution",
        "place": "双丰村村务公开栏、村民微信群",
        "posted_from": "2023-01-09",
        "posted_to": "2023-01-15",
        "photo_ref": "demo/notices/shuangfeng-pv-2022.jpg",
        "distribution": {
            "year": 2022,
            "to_households_fen": 2 * WAN,
            "to_posts_fen": 6 * WAN,  # 光伏公益岗位工资
            "to_village_fen": 1 * WAN + 6_000 * YUAN,
            "to_other_fen": 0,
        },
    }
    posted = ok_json(await client.post(f"{asset_url}/notices", json=notice, headers=auth), "the notice")
    effect = {"action": "take_effect", "on": "2023-01-16"}
    ok_json(
        await client.post(f"/api/v1/asset-notices/{posted['id']}/actions", json=effect, headers=auth),
        "effect",
    )
    return 1
