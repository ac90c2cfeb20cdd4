"""The project library ledger (项目库台账) and the asset ledger (资产台账): Chinese headings, each area
code with its name beside it, money in fen, codes as their Chinese labels, `within` and the caller's
area both holding."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from services.projects.assets.ledger import HEADERS as ASSET_HEADERS
from services.projects.ledger import HEADERS as PROJECT_HEADERS
from tests.conftest import UserFactory
from tests.support.projects import WAN
from tests.support.registry import COUNTY, HUANGJIN, OTHER_TOWN, SHUANGFENG, make_areas
from tests.test_project_assets import register
from tests.test_projects import create, move, step


def table(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def by_heading(rows: list[list[str]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_the_project_ledger_has_a_row_per_funding_line_with_names_labels_and_fen(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    budget = [
        {"source": "central", "budget_fen": 150 * WAN},
        {"source": "counterpart", "budget_fen": 20 * WAN},
    ]
    greenhouse = await create(client, county, budget=budget)
    assert (await move(client, greenhouse, "received", 100 * WAN, county)).status_code == 201
    assert (await move(client, greenhouse, "paid", 40 * WAN, county)).status_code == 201
    assert (await step(client, greenhouse, "approve", "2023-02-01", county)).status_code == 200
    await create(client, county, area_code=HUANGJIN, name="黄金村道路硬化", sector="roads", year=2024)

    response = await client.get(
        "/api/v1/projects/export", params={"within": OTHER_TOWN, "format": "csv"}, headers=county
    )
    assert response.status_code == 200, response.text
    assert "projects-610924108000.csv" in response.headers["content-disposition"]
    rows = table(response)
    assert rows[0] == PROJECT_HEADERS
    assert rows[0][:4] == ["项目年度", "项目名称", "区划代码", "区划名称"]
    lines = by_heading(rows)
    assert [(r["项目名称"], r["资金来源"]) for r in lines] == [
        ("双丰村温室大棚建设项目", "中央衔接/专项资金"),
        ("双丰村温室大棚建设项目", "对口支援资金（援疆）"),
    ]
    central = lines[0]
    assert (central["区划代码"], central["区划名称"]) == (SHUANGFENG, "双丰村")
    assert (central["项目类别"], central["项目状态"], central["批复日期"]) == ("产业", "已批复", "2023-02-01")
    assert (central["预算资金（分）"], central["到位资金（分）"], central["支付资金（分）"]) == (
        str(150 * WAN),
        str(100 * WAN),
        str(40 * WAN),
    )
    assert lines[1]["到位资金（分）"] == "0" and central["项目ID"] == greenhouse["id"]

    # The county sees both villages, and a year filter narrows it; a village cadre sees only their own.
    everything = by_heading(table(await client.get("/api/v1/projects/export?format=csv", headers=county)))
    assert {r["区划名称"] for r in everything} == {"双丰村", "黄金村"}
    of_2024 = table(await client.get("/api/v1/projects/export?format=csv&year=2024", headers=county))
    assert [r[1] for r in of_2024[1:]] == ["黄金村道路硬化"]
    huangjin = await user_headers("huangjin", "village_cadre", HUANGJIN)
    theirs = by_heading(table(await client.get("/api/v1/projects/export?format=csv", headers=huangjin)))
    assert [(r["项目名称"], r["项目类别"]) for r in theirs] == [("黄金村道路硬化", "基础设施·道路")]
    outside = await client.get(f"/api/v1/projects/export?within={SHUANGFENG}", headers=huangjin)
    assert outside.status_code in (403, 404, 422)
    xlsx = await client.get("/api/v1/projects/export", headers=county)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_the_asset_ledger_shows_title_upkeep_the_latest_check_and_income_in_fen(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    greenhouse = await register(
        client,
        county,
        owner_type="village_collective",
        owner_name="双丰村股份经济合作社",
        upkeep_owner="双丰村两委",
    )
    road = await register(client, county, area_code=HUANGJIN, name="黄金村产业路", kind="public_welfare")
    for year, on, result in ((2023, "2023-12-20", "normal"), (2024, "2024-03-15", "problem")):
        body = {"year": year, "checked_on": on, "result": result}
        if result == "problem":
            body["problem"] = "棚膜破损两处"
        checked = await client.post(f"/api/v1/assets/{greenhouse['id']}/checks", json=body, headers=county)
        assert checked.status_code == 201, checked.text
    income = await client.put(
        f"/api/v1/assets/{greenhouse['id']}/incomes/2023", json={"income_fen": 12 * WAN}, headers=county
    )
    assert income.status_code == 200, income.text

    rows = table(await client.get("/api/v1/assets/export?format=csv", headers=county))
    assert rows[0] == ASSET_HEADERS
    ledger = {r["资产ID"]: r for r in by_heading(rows)}
    held = ledger[greenhouse["id"]]
    assert (held["区划代码"], held["区划名称"], held["资产类型"]) == (SHUANGFENG, "双丰村", "经营性资产")
    assert (held["确权类型"], held["所有权人"], held["管护责任人"]) == (
        "村集体",
        "双丰村股份经济合作社",
        "双丰村两委",
    )
    assert (held["最近核查年度"], held["核查结果"], held["核查发现问题"]) == (
        "2024",
        "发现问题",
        "棚膜破损两处",
    )
    assert (held["资产价值（分）"], held["累计收益（分）"], held["已分配收益（分）"]) == (
        str(140 * WAN),
        str(12 * WAN),
        "0",
    )
    unchecked = ledger[road["id"]]
    assert (unchecked["资产类型"], unchecked["最近核查年度"], unchecked["核查结果"]) == ("公益性资产", "", "")
    assert unchecked["区划名称"] == "黄金村" and unchecked["累计收益（分）"] == "0"

    within = table(await client.get(f"/api/v1/assets/export?format=csv&within={HUANGJIN}", headers=county))
    assert [r[0] for r in within[1:]] == ["黄金村产业路"]
    huangjin = await user_headers("huangjin", "village_cadre", HUANGJIN)
    theirs = table(await client.get("/api/v1/assets/export?format=csv", headers=huangjin))
    assert [r[-1] for r in theirs[1:]] == [road["id"]]
