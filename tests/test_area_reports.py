"""The area report: composed by the gateway from every service's statistics, partial when one is down."""

from __future__ import annotations

import io

import httpx
import openpyxl
from fastapi import FastAPI

from tests.conftest import UserFactory
from tests.support.events import unreachable
from tests.support.registry import HUANGJIN, LONGQUAN, TOWN, make_areas, make_household
from tests.support.system import asgi_client

REPORT = "/api/v1/reports/area-summary"


async def test_the_town_report_gathers_every_section_with_its_villages(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=3, registered_on="2023-01-01", category="escaped")
    await make_household(admin, LONGQUAN, members=2, registered_on="2023-01-01")
    response = await admin.get(REPORT, params={"area": TOWN, "as_of": "2024-06-30"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["area_code"], report["as_of"], report["complete"], report["missing"]) == (
        TOWN,
        "2024-06-30",
        True,
        [],
    )
    registry = report["registry"]
    assert (registry["households"], registry["people"]) == (4, 11)
    assert {c["area_code"]: (c["households"], c["people"]) for c in registry["children"]} == {
        HUANGJIN: (3, 9),
        LONGQUAN: (1, 2),
    }
    assert {p["programme"]: (p["households"], p["people"]) for p in registry["programmes"]} == {
        "escaped": (3, 9)
    }
    for section in ("monitoring", "employment", "welfare_posts", "training"):
        assert report[section]["area_code"] == TOWN, section
    assert report["welfare_posts"]["places"] == 0

    before = (await admin.get(REPORT, params={"area": TOWN, "as_of": "2022-12-31"})).json()
    assert (before["registry"]["households"], before["registry"]["people"]) == (0, 0)


async def test_a_service_that_is_down_leaves_its_sections_missing_not_the_report(
    admin: httpx.AsyncClient, system: FastAPI
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=2, registered_on="2023-01-01")
    jobs = system.state.upstreams["jobs"]
    live = jobs.client
    jobs.client = unreachable()
    try:
        response = await admin.get(REPORT, params={"area": HUANGJIN, "as_of": "2024-01-01"})
        workbook_response = await admin.get(
            REPORT, params={"area": HUANGJIN, "as_of": "2024-01-01", "format": "xlsx"}
        )
    finally:
        await jobs.client.aclose()
        jobs.client = live
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["complete"] is False
    assert {(m["section"], m["service"]) for m in report["missing"]} == {
        ("employment", "jobs"),
        ("welfare_posts", "jobs"),
        ("training", "jobs"),
    }
    assert all("not reachable" in m["reason"] for m in report["missing"])
    assert report["employment"] is None and report["registry"]["households"] == 1
    assert report["monitoring"] is not None

    assert workbook_response.status_code == 200
    assert workbook_response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_response.content), read_only=True)
    assert workbook.sheetnames == [
        "说明",
        "户籍人口",
        "监测帮扶",
        "务工就业",
        "公益岗位",
        "技能培训",
        "项目资金",
        "光伏电站",
        "易地搬迁",
        "驻村考勤",
        "小额信贷",
        "村情",
    ]
    profile = [row for row in workbook["村情"].iter_rows(values_only=True)]
    assert any(row[:2] == (HUANGJIN, "黄金村") and 1 in row for row in profile)  # the village's households
    cover = [row for row in workbook["说明"].iter_rows(values_only=True)]
    assert cover[1] == (HUANGJIN, "黄金村", "2024-01-01", "否（见缺失板块）")
    assert ("务工就业", "jobs", "the jobs service is not reachable") in cover
    households = [row for row in workbook["户籍人口"].iter_rows(values_only=True)]
    assert ("户数", 1) in households and ("人数", 2) in households
    assert "区域代码" in next(row for row in households if row and row[0] == "区域代码")


async def test_bureaus_read_the_report_but_no_personal_data_and_scope_holds(
    admin: httpx.AsyncClient, system: FastAPI, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=2, registered_on="2023-01-01")
    async with asgi_client(system, headers=await user_headers("bureau", "bureau_partner", TOWN)) as bureau:
        report = await bureau.get(REPORT, params={"area": TOWN})
        assert report.status_code == 200, report.text
        assert report.json()["registry"]["households"] == 1
        assert (await bureau.get("/api/v1/households")).status_code == 403
    async with asgi_client(system, headers=await user_headers("cadre", "village_cadre", HUANGJIN)) as cadre:
        outside = await cadre.get(REPORT, params={"area": TOWN})
        assert outside.status_code == 404 and outside.json()["code"] == "area_not_found"
        assert (await cadre.get(REPORT, params={"area": HUANGJIN})).status_code == 200
    unknown = await admin.get(REPORT, params={"area": "610924105299"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "area_not_found"
    bad = await admin.get(REPORT, params={"area": "6109"})
    assert bad.status_code == 422
