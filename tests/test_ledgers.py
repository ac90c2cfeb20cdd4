"""The ledgers (台账) through the gateway: households with members (户籍台账). It opens as XLSX (openpyxl)
and CSV with the right rows and values; ID numbers are masked unless asked for by a role that may see
them (and then audited); nothing outside the caller's area appears; partner systems may not read it."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import openpyxl

from services.registry.households.ledger import HEADERS as HOUSEHOLD_HEADERS
from tests.support.database import libpq_url
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    TOWN,
    make_areas,
    member,
    national_id,
)
from tests.support.system import Database

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
    for within in (TOWN, HUANGJIN, SHUANGFENG, "610924", "6109241052"):
        outside = await admin.get(HOUSEHOLDS, params={"within": within}, headers=cadre)
        assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found"), within
    prefix = csv_rows(await admin.get(HOUSEHOLDS, params={"within": "610924105", "format": "csv"}))
    assert [r[0] for r in prefix[1:]] == ["HJ-001"] * 4 + ["HJ-002", "LQ-001"]  # a prefix works too
    partner = await user_headers("partner", "bureau_partner", TOWN)
    refused = await admin.get(HOUSEHOLDS, headers=partner)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    bad = await admin.get(HOUSEHOLDS, params={"within": "610924105201", "format": "pdf"})
    assert bad.status_code == 422
