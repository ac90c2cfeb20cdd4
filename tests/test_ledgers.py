"""The ledgers (台账) through the gateway: households with members (户籍台账), monitored households with
their measures (监测对象台账) and visits (走访台账). Each opens as XLSX (openpyxl) and CSV with the right
rows and values; ID numbers are masked unless asked for by a role that may see them (and then audited);
nothing outside the caller's area appears; partner systems may not read them."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import openpyxl
from fastapi import FastAPI

from services.common.auth import InternalTokenSigner, Principal, PrincipalKind, Role
from services.common.calendar import china_today
from services.monitoring.cases.ledger import HEADERS as CASE_HEADERS
from services.monitoring.visits.ledger import HEADERS as VISIT_HEADERS
from services.registry.households.ledger import HEADERS as HOUSEHOLD_HEADERS
from tests.support.database import libpq_url
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    OTHER_TOWN,
    SHUANGFENG,
    TOWN,
    make_areas,
    make_household,
    member,
    national_id,
)
from tests.support.system import Database, Keys

HOUSEHOLDS = "/api/v1/households/export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(response: httpx.Response, sheet: str) -> list[tuple]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [sheet]
    return list(book[sheet].iter_rows(values_only=True))


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def by_header(headers: list[str] | tuple, rows: list) -> list[dict[str, Any]]:
    return [dict(zip(headers, row, strict=True)) for row in rows]


async def fetch(database: Database, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def register(
    admin: httpx.AsyncClient, number: str, village: str, members: list[dict], **fields: Any
) -> dict:
    body = {"number": number, "area_code": village, "members": members} | fields
    response = await admin.post("/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def change_person(admin: httpx.AsyncClient, person: dict, **body: Any) -> None:
    response = await admin.patch(f"/api/v1/people/{person['id']}", json=body | {"base_version": 1})
    assert response.status_code == 200, response.text


async def delete_person(admin: httpx.AsyncClient, person: dict) -> None:
    response = await admin.post(f"/api/v1/people/{person['id']}/delete", headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text


async def households_world(admin: httpx.AsyncClient) -> dict[str, Any]:
    """黄金村: a family of four (one member deceased, one deleted) and a 脱贫户 on 低保 (its 特困 period
    over); a household deleted there; one household each in 龙泉村 (same town) and 双丰村 (another town)."""
    await make_areas(admin)
    ids = {"head": national_id("19700304", "male"), "child": national_id("20120601", "female")}
    family = await register(
        admin,
        "HJ-001",
        HUANGJIN,
        [
            member(
                "head", name="王建国", national_id=ids["head"], labour_ability="full", medical_insured=True
            ),
            member("spouse", name="李秀英", health="chronic", medical_insured=False),
            member(
                "child",
                name="王小红",
                national_id=ids["child"],
                health="disabled",
                disability_grade=2,
                schooling="in_school",
            ),
            member("parent", name="王老汉", national_id=national_id("19400101", "male")),
        ],
        group_no=3,
        address="黄金村三组12号",
        housing_type="adobe",
        housing_grade="C",
        drinking_water="unsafe",
    )
    people = {p["name"]: p for p in family["members"]}
    await change_person(admin, people["王老汉"], deceased_on="2025-02-01")
    mistaken = await admin.post(
        f"/api/v1/households/{family['id']}/members", json=member("child", name="错录")
    )
    assert mistaken.status_code == 201, mistaken.text
    await delete_person(admin, mistaken.json())
    escaped = await register(
        admin,
        "HJ-002",
        HUANGJIN,
        [member("head", name='=HYPERLINK("x")')],  # a name that would be a formula
        category="escaped",
        poverty_exit_year=2019,
    )
    for programme, starts, ends in (("dibao", "2024-01-01", None), ("tekun", "2020-01-01", "2023-12-31")):
        period = {"household_id": escaped["id"], "programme": programme, "starts_on": starts}
        answer = await admin.post("/api/v1/programmes", json=period | ({"ends_on": ends} if ends else {}))
        assert answer.status_code == 201, answer.text
    gone = await register(admin, "HJ-003", HUANGJIN, [member("head", name="删除户")])
    deleted = await admin.post(
        f"/api/v1/households/{gone['id']}/delete",
        json={"reason": "重复登记", "base_version": 1},
    )
    assert deleted.status_code == 200, deleted.text
    sibling = await register(admin, "LQ-001", LONGQUAN, [member("head", name="龙泉户主")])
    other = await register(admin, "SF-001", SHUANGFENG, [member("head", name="双丰户主")])
    return {
        "family": family,
        "people": people,
        "escaped": escaped,
        "ids": ids,
        "sibling": sibling,
        "other": other,
    }


async def test_the_household_ledger_has_a_row_per_person_with_the_households_columns(
    admin: httpx.AsyncClient,
) -> None:
    world = await households_world(admin)
    rows = sheet_rows(await admin.get(HOUSEHOLDS, params={"within": HUANGJIN}), "户籍台账")
    assert list(rows[0]) == HOUSEHOLD_HEADERS
    ledger = by_header(rows[0], rows[1:])
    # The family's four (deceased included, the deleted member not), then the 脱贫户; head first.
    assert [(r["户编号"], r["姓名"]) for r in ledger] == [
        ("HJ-001", "王建国"), ("HJ-001", "王老汉"), ("HJ-001", "李秀英"), ("HJ-001", "王小红"),
        ("HJ-002", "=HYPERLINK(\"x\")"),
    ]  # fmt: skip
    head, grandpa, spouse, child, poor = ledger
    assert {k: head[k] for k in list(head)[:12]} == {
        "户编号": "HJ-001",
        "村代码": HUANGJIN,
        "村名称": "黄金村",
        "村民小组": 3,
        "住址": "黄金村三组12号",
        "户类别": "一般农户",
        "住房类型": "土坯房",
        "住房安全等级": "C级 局部危险",
        "饮水安全": "饮水不安全",
        "户主": "王建国",
        "脱贫年度": None,
        "享受政策（当前）": None,
    }
    assert head["身份证号"] == world["ids"]["head"][:6] + "********" + world["ids"]["head"][-4:]
    assert (head["与户主关系"], head["性别"], head["出生日期"]) == ("户主", "男", datetime(1970, 3, 4))
    assert (head["劳动能力"], head["参加医保"], head["生存状态"], head["死亡日期"]) == (
        "劳动力",
        "是",
        "健在",
        None,
    )
    assert (head["户ID"], head["人员ID"]) == (world["family"]["id"], world["people"]["王建国"]["id"])
    assert (grandpa["生存状态"], grandpa["死亡日期"]) == ("已故", datetime(2025, 2, 1))
    assert (spouse["与户主关系"], spouse["健康状况"], spouse["参加医保"]) == ("配偶", "长期慢性病", "否")
    assert (child["性别"], child["健康状况"], child["在校情况"]) == ("女", "残疾（2级）", "义务教育在校")
    assert child["劳动能力"] is None and child["户主"] == "王建国"
    # Programmes held today: 脱贫户 (its category) and 低保, not the 特困 period that ended.
    assert (poor["户类别"], poor["脱贫年度"], poor["享受政策（当前）"]) == (
        "脱贫户",
        2019,
        "农村低保、脱贫户",
    )

    # The town: 龙泉村's household too, never 双丰村's (another town) nor the deleted one.
    town = by_header(
        HOUSEHOLD_HEADERS, csv_rows(await admin.get(HOUSEHOLDS, params={"within": TOWN, "format": "csv"}))[1:]
    )
    assert [r["户编号"] for r in town] == ["HJ-001"] * 4 + ["HJ-002", "LQ-001"]
    assert town[4]["姓名"] == '\'=HYPERLINK("x")'  # CSV: text, not a formula
    assert (town[0]["出生日期"], town[0]["村民小组"], town[1]["死亡日期"]) == (
        "1970-03-04",
        "3",
        "2025-02-01",
    )
    everything = csv_rows(await admin.get(HOUSEHOLDS, params={"format": "csv"}))
    assert [r[0] for r in everything[1:]] == ["HJ-001"] * 4 + ["HJ-002", "LQ-001", "SF-001"]


async def test_id_numbers_in_full_only_for_roles_that_may_see_them_and_each_one_audited(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    world = await households_world(admin)
    masked = world["ids"]["child"][:6] + "********" + world["ids"]["child"][-4:]
    reviewer = await user_headers("reviewer", "town_reviewer", TOWN)
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    auditor = await user_headers("auditor", "auditor", TOWN)
    params = {"within": HUANGJIN, "format": "csv"}

    def child_id(response: httpx.Response) -> str:
        rows = by_header(HOUSEHOLD_HEADERS, csv_rows(response)[1:])
        return next(r["身份证号"] for r in rows if r["姓名"] == "王小红")

    # Masked for everyone by default, the roles that may see full numbers included.
    for headers in (reviewer, cadre, auditor):
        assert child_id(await admin.get(HOUSEHOLDS, params=params, headers=headers)) == masked
    # In full on request, for a role that may see them; refused (403) to one that may not.
    assert (
        child_id(await admin.get(HOUSEHOLDS, params=params | {"reveal": "true"}, headers=reviewer))
        == (world["ids"]["child"])
    )
    xlsx = sheet_rows(await admin.get(HOUSEHOLDS, params={"within": HUANGJIN, "reveal": "true"}), "户籍台账")
    assert by_header(xlsx[0], xlsx[1:])[0]["身份证号"] == world["ids"]["head"]
    for headers in (cadre, auditor):
        refused = await admin.get(HOUSEHOLDS, params=params | {"reveal": "true"}, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
        assert "national_ids:read" in refused.json()["detail"]

    # Each number shown in full is a read of that person in the audit log, by whoever exported it.
    reads = await fetch(
        clean_database,
        "SELECT actor_name, resource_id FROM registry.audit_log WHERE action = 'person.national_id.read'",
    )
    shown = {p["id"] for p in world["family"]["members"] if p["name"] != "错录"} | {
        world["escaped"]["members"][0]["id"]
    }
    assert sorted(r["resource_id"] for r in reads if r["actor_name"] == "reviewer") == sorted(shown)
    assert {r["resource_id"] for r in reads if r["actor_name"] != "reviewer"} == shown  # the administrator
    assert len(reads) == 2 * len(shown)
    exports = await fetch(
        clean_database,
        "SELECT actor_name, outcome, changes FROM registry.audit_log WHERE action = 'household.export'",
    )
    assert (
        sum(1 for e in exports if e["actor_name"] == "cadre") == 1
    )  # the masked export; refusals write none
    denied = await fetch(
        clean_database,
        "SELECT actor_name FROM registry.audit_log "
        "WHERE outcome = 'denied' AND action LIKE '%households/export'",
    )
    assert sorted(r["actor_name"] for r in denied) == ["auditor", "cadre"]


async def test_the_household_ledger_keeps_to_the_callers_area(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await households_world(admin)
    cadre = await user_headers("lq-cadre", "village_cadre", LONGQUAN)
    own = csv_rows(await admin.get(HOUSEHOLDS, params={"format": "csv"}, headers=cadre))
    assert [r[0] for r in own[1:]] == ["LQ-001"]  # default: the caller's village only
    for within in (HUANGJIN, SHUANGFENG, "610924108", "610925"):
        outside = await admin.get(HOUSEHOLDS, params={"within": within}, headers=cadre)
        assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found"), within
    for wider in (TOWN, "610924", "6109241052"):  # an area that holds the village narrows to it
        held = await admin.get(HOUSEHOLDS, params={"within": wider, "format": "csv"}, headers=cadre)
        assert [r[0] for r in csv_rows(held)[1:]] == ["LQ-001"], wider
    prefix = csv_rows(await admin.get(HOUSEHOLDS, params={"within": "610924105", "format": "csv"}))
    assert [r[0] for r in prefix[1:]] == ["HJ-001"] * 4 + ["HJ-002", "LQ-001"]  # a prefix works too
    partner = await user_headers("partner", "bureau_partner", TOWN)
    refused = await admin.get(HOUSEHOLDS, headers=partner)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    bad = await admin.get(HOUSEHOLDS, params={"within": "610924105201", "format": "pdf"})
    assert bad.status_code == 422


CASES, VISITS = "/api/v1/cases/export", "/api/v1/visits/export"


async def step(admin: httpx.AsyncClient, case: dict, headers: dict, action: str, **body: Any) -> dict:
    payload = {"action": action, "base_version": case["version"]} | body
    response = await admin.post(f"/api/v1/cases/{case['id']}/actions", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def visit(admin: httpx.AsyncClient, household: dict, village: str, when: str, **answers: Any) -> dict:
    body = inspection(household["id"], area_code=village, visited_at=when, **answers)
    response = await admin.post("/api/v1/inspections", json=body)
    assert response.status_code == 201, response.text
    return (await admin.get(f"/api/v1/inspections/{body['id']}")).json()


async def alert_of(admin: httpx.AsyncClient, household: dict) -> str:
    alerts = (await admin.get("/api/v1/alerts", params={"household_id": household["id"]})).json()["items"]
    return alerts[0]["id"]


async def monitoring_world(admin: httpx.AsyncClient, user_headers, database: Database) -> dict[str, Any]:  # noqa: ANN001
    """黄金村: a household visited twice (poor the first time, by its paired cadre from a county bureau),
    enrolled with two measures; another visited once, all well. 龙泉村: a poor household with a case just
    opened. 双丰村 (another town): one visit."""
    await make_areas(admin)
    await set_thresholds(admin, 2025, alert_decision_days=20)
    poor, well = await make_household(admin, HUANGJIN, members=2), await make_household(admin, HUANGJIN)
    sibling, other = await make_household(admin, LONGQUAN, members=1), await make_household(admin, SHUANGFENG)
    cadre = await admin.post(
        "/api/v1/cadres", json={"area_code": COUNTY, "name": "李干部", "unit": "县农业局"}
    )
    assert cadre.status_code == 201, cadre.text
    paired = await admin.post(
        f"/api/v1/cadres/{cadre.json()['id']}/assignments", json={"household_id": poor["id"]}
    )
    assert paired.status_code == 201, paired.text
    visits = [
        await visit(
            admin, poor, HUANGJIN, "2025-03-01T10:00:00+08:00", wages=8000, cadre_id=cadre.json()["id"]
        ),
        await visit(admin, well, HUANGJIN, "2025-03-05T09:30:00+08:00"),
        await visit(admin, poor, HUANGJIN, "2025-06-01T15:45:00+08:00"),
        await visit(admin, sibling, LONGQUAN, "2025-04-01T11:00:00+08:00", wages=2000, size=1),
        await visit(admin, other, SHUANGFENG, "2025-04-02T08:00:00+08:00"),
    ]
    village = await user_headers("hj-cadre", "village_cadre", HUANGJIN)
    town = await user_headers("town", "town_reviewer", TOWN)
    county = await user_headers("county", "county_admin", COUNTY)
    opened = await admin.post(
        "/api/v1/cases", json={"alert_ids": [await alert_of(admin, poor)]}, headers=village
    )
    assert opened.status_code == 201, opened.text
    notice_end = china_today().isoformat()
    case = await step(admin, opened.json(), village, "start_notice", notice_ends_on=notice_end)
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:  # the notice's days pass
        await conn.execute(
            "UPDATE monitoring.cases SET notice_ends_on = notice_ends_on - 7 WHERE id = $1",
            uuid.UUID(case["id"]),
        )
    finally:
        await conn.close()
    case = await step(admin, case, village, "submit")
    case = await step(admin, case, town, "approve")
    case = await step(admin, case, county, "approve", monitoring_type="marginal")
    measures = [
        {"kind": "employment", "description": "推荐到社区工厂就业", "starts_on": "2025-04-01",
         "amount": 1200.5, "cadre_id": cadre.json()["id"]},
        {"kind": "education", "description": "雨露计划", "starts_on": "2025-09-01",
         "person_id": poor["members"][1]["id"]},
    ]  # fmt: skip
    for measure in measures:
        planned = await admin.post(f"/api/v1/cases/{case['id']}/measures", json=measure)
        assert planned.status_code == 201, planned.text
    waiting = await admin.post("/api/v1/cases", json={"alert_ids": [await alert_of(admin, sibling)]})
    assert waiting.status_code == 201, waiting.text
    return {
        "households": {"poor": poor, "well": well, "sibling": sibling, "other": other},
        "visits": visits,
        "case": (await admin.get(f"/api/v1/cases/{case['id']}")).json(),
        "waiting": waiting.json(),
        "headers": {"village": village, "town": town},
    }


async def test_the_case_ledger_has_a_row_per_measure_and_one_for_a_case_without(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    world = await monitoring_world(admin, user_headers, clean_database)
    poor, sibling = world["households"]["poor"], world["households"]["sibling"]
    case, waiting = world["case"], world["waiting"]
    rows = sheet_rows(await admin.get(CASES, params={"within": TOWN}), "监测对象台账")
    assert list(rows[0]) == CASE_HEADERS
    ledger = by_header(rows[0], rows[1:])
    assert [(r["户编号"], r["帮扶措施"]) for r in ledger] == [
        (poor["number"], "就业帮扶"), (poor["number"], "教育帮扶"), (sibling["number"], None),
    ]  # fmt: skip
    first, second, opened = ledger
    today = datetime.combine(china_today(), datetime.min.time())  # the steps were taken today
    history = {e["action"]: e for e in case["history"]}
    assert history["approve"]  # the steps really were taken, so each date below comes from one
    assert {k: first[k] for k in list(first)[1:17]} == {
        "村代码": HUANGJIN,
        "村名称": "黄金村",
        "监测类型": "边缘易致贫户",
        "风险类型": "人均纯收入低于监测标准",
        "认定环节": "已纳入监测",
        "首次预警日期": datetime(2025, 3, 1),
        "村级评议日期": today,
        "公示开始日期": today,
        "公示截止日期": today - timedelta(days=7),
        "报乡镇审核日期": today,
        "乡镇审核日期": today,
        "应审定日期": datetime(2025, 3, 21),
        "认定决定日期": today,
        "纳入监测日期": today,
        "提出风险消除日期": None,
        "风险消除日期": None,
    }
    assert (first["措施内容"], first["帮扶对象"], first["责任干部"]) == (
        "推荐到社区工厂就业",
        "全户",
        "李干部",
    )
    assert (first["措施开始日期"], first["金额（元）"], first["措施状态"]) == (
        datetime(2025, 4, 1),
        1200.5,
        "计划",
    )
    assert (second["帮扶对象"], second["帮扶对象人员ID"], second["责任干部"]) == (
        "个人",
        poor["members"][1]["id"],
        None,
    )
    assert first["监测对象ID"] == second["监测对象ID"] == case["id"] and first["户ID"] == poor["id"]
    assert (opened["村名称"], opened["认定环节"], opened["监测类型"], opened["措施ID"]) == (
        "龙泉村",
        "村级评议",
        None,
        None,
    )
    assert (opened["监测对象ID"], opened["认定决定日期"], opened["纳入监测日期"]) == (
        waiting["id"],
        None,
        None,
    )

    # The village cadre's own village only; the town and other villages are not theirs (404).
    village = world["headers"]["village"]
    own = csv_rows(await admin.get(CASES, params={"format": "csv"}, headers=village))
    assert own[0] == CASE_HEADERS
    assert [(r[0], r[17]) for r in own[1:]] == [(poor["number"], "就业帮扶"), (poor["number"], "教育帮扶")]
    assert own[1][6] == "2025-03-01" and own[1][23] == "1200.50"
    outside = await admin.get(CASES, params={"within": LONGQUAN}, headers=village)
    assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found")
    wider = await admin.get(CASES, params={"within": TOWN, "format": "csv"}, headers=village)
    assert csv_rows(wider) == own  # the town holds the village: narrowed to it
    partner = await user_headers("partner", "bureau_partner", TOWN)
    refused = await admin.get(CASES, headers=partner)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    nothing = csv_rows(await admin.get(CASES, params={"within": SHUANGFENG, "format": "csv"}))
    assert nothing == [CASE_HEADERS]


async def test_the_visit_ledger_has_a_row_per_visit_with_who_and_what_was_found(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    world = await monitoring_world(admin, user_headers, clean_database)
    households, visits = world["households"], world["visits"]
    rows = sheet_rows(await admin.get(VISITS, params={"within": TOWN}), "走访台账")
    assert list(rows[0]) == VISIT_HEADERS
    ledger = by_header(rows[0], rows[1:])
    assert [r["走访记录ID"] for r in ledger] == [
        visits[i]["id"] for i in (0, 1, 2, 3)
    ]  # by village, then time
    first = ledger[0]
    assert {k: first[k] for k in list(first)[:10]} == {
        "户编号": households["poor"]["number"],
        "村代码": HUANGJIN,
        "村名称": "黄金村",
        "走访时间": datetime(2025, 3, 1, 10, 0),  # China time
        "走访人": visits[0]["inspector_name"],
        "帮扶干部": "李干部",
        "发现问题": "人均纯收入低于监测标准",
        "问题数": 1,
        "问题说明": visits[0]["findings"][0]["reason"],
        "晚到记录（未预警）": None,
    }
    assert "7,000元" in first["问题说明"]
    assert (ledger[1]["发现问题"], ledger[1]["问题数"], ledger[1]["帮扶干部"]) == (None, 0, None)
    assert (ledger[3]["村名称"], ledger[3]["户编号"]) == ("龙泉村", households["sibling"]["number"])

    # A period, in China's days; CSV too.
    spring = csv_rows(
        await admin.get(VISITS, params={"since": "2025-03-02", "until": "2025-04-01", "format": "csv"})
    )
    assert spring[0] == VISIT_HEADERS
    assert [r[-1] for r in spring[1:]] == [visits[1]["id"], visits[3]["id"]]
    assert spring[2][3] == "2025-04-01 11:00:00"
    # The village cadre sees their village's visits, with the county bureau's cadre named (paired there).
    village = world["headers"]["village"]
    own = by_header(
        VISIT_HEADERS, csv_rows(await admin.get(VISITS, params={"format": "csv"}, headers=village))[1:]
    )
    assert [(r["走访记录ID"], r["帮扶干部"]) for r in own] == [
        (visits[0]["id"], "李干部"), (visits[1]["id"], ""), (visits[2]["id"], ""),
    ]  # fmt: skip
    reviewer = await user_headers("other-town", "town_reviewer", OTHER_TOWN)
    theirs = csv_rows(await admin.get(VISITS, params={"format": "csv"}, headers=reviewer))
    assert [r[-1] for r in theirs[1:]] == [visits[4]["id"]]
    outside = await admin.get(VISITS, params={"within": HUANGJIN}, headers=reviewer)
    assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found")
    partner = await user_headers("partner", "bureau_partner", TOWN)
    refused = await admin.get(VISITS, headers=partner)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


async def test_the_registry_names_only_what_lies_in_the_callers_area(
    system: FastAPI, admin: httpx.AsyncClient, keys: Keys
) -> None:
    """Monitoring asks only about its own rows, already in scope; the registry checks again (in depth)."""
    await make_areas(admin)
    ours, theirs = await make_household(admin, HUANGJIN), await make_household(admin, SHUANGFENG)
    bureau = await admin.post(
        "/api/v1/cadres", json={"area_code": COUNTY, "name": "县局干部", "unit": "县局"}
    )
    local = await admin.post(
        "/api/v1/cadres", json={"area_code": SHUANGFENG, "name": "双丰干部", "unit": "镇"}
    )
    paired = await admin.post(
        f"/api/v1/cadres/{bureau.json()['id']}/assignments", json={"household_id": ours["id"]}
    )
    assert paired.status_code == 201, paired.text
    cadre = Principal(id="c", name="c", kind=PrincipalKind.user, role=Role.village_cadre, scope=HUANGJIN)
    token = InternalTokenSigner(keys.internal_private).sign(cadre, ["monitoring", "registry"])
    body = {
        "household_ids": [ours["id"], theirs["id"]],
        "cadre_ids": [bureau.json()["id"], local.json()["id"]],
        "area_codes": [HUANGJIN, SHUANGFENG, TOWN],
    }
    registry = system.state.upstreams["registry"].client
    answer = await registry.post(
        "/internal/v1/names", json=body, headers={"authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "households": [{"household_id": ours["id"], "number": ours["number"]}],
        "cadres": [{"cadre_id": bureau.json()["id"], "name": "县局干部"}],  # paired with a household here
        "areas": [{"code": HUANGJIN, "name": "黄金村"}],
    }


async def seed_people(database: Database, households: int) -> None:
    """Households of four in 黄金村, straight into the tables (ID numbers are not read when masked)."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(
            "INSERT INTO registry.households (id, number, area_code) "
            "SELECT gen_random_uuid(), 'S' || lpad(g::text, 7, '0'), $1 FROM generate_series(1, $2) g",
            HUANGJIN,
            households,
        )
        await conn.execute(
            "INSERT INTO registry.people (id, household_id, area_code, name, national_id_cipher, "
            "national_id_index, national_id_masked, birth_date, sex, relation) "
            "SELECT gen_random_uuid(), h.id, h.area_code, '王' || k, '\\x00', "
            "decode(md5(h.id::text || k), 'hex'), '610924********0011', '1980-01-01', 'male', 'child' "
            "FROM registry.households h, generate_series(1, 4) k"
        )
    finally:
        await conn.close()


async def through_gateway(
    gateway: FastAPI, headers: dict[str, str], query: str, *, leave_after: int | None = None
) -> list[bytes]:
    """GET the household ledger from the whole system over raw ASGI, as a server would (the test client
    holds whole answers); the body chunks as they left. ``leave_after``: the client goes away then."""
    chunks: list[bytes] = []
    left = asyncio.Event()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": HOUSEHOLDS, "raw_path": HOUSEHOLDS.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("gateway.local", 80), "client": ("127.0.0.1", 1),
    }  # fmt: skip
    asked = False

    async def receive() -> dict:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            if leave_after is not None and len(chunks) >= leave_after:
                left.set()

    await gateway(scope, receive, send)
    return chunks


async def test_the_gateway_passes_a_ledger_on_as_it_is_written_and_stops_it_when_the_client_leaves(
    system: FastAPI, admin: httpx.AsyncClient, admin_headers: dict[str, str], clean_database: Database
) -> None:
    """In one process the gateway reaches the services in-process; a ledger still streams through it
    (the first rows leave before the last are read) rather than waiting whole in the gateway."""
    await make_areas(admin)
    await seed_people(clean_database, 5_000)
    chunks = await through_gateway(system, admin_headers, f"within={HUANGJIN}&format=csv")
    assert len(chunks) >= 20  # a chunk per partition of 1,000 rows, not one at the end
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert (len(rows), rows[0]) == (20_001, HOUSEHOLD_HEADERS)
    assert (rows[1][0], rows[-1][0]) == ("S0000001", "S0005000")

    # A client that leaves after the first chunks stops the export: its database connection is freed.
    registry = system.state.local_apps["registry"].state.database.engine.pool
    before = registry.checkedout()
    chunks = await through_gateway(system, admin_headers, f"within={HUANGJIN}&format=csv", leave_after=2)
    assert 2 <= len(chunks) < 20
    for _ in range(50):
        if registry.checkedout() <= before:
            break
        await asyncio.sleep(0.1)
    assert registry.checkedout() <= before
