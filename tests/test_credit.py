"""Micro-credit (扶贫小额信贷): a bank's loans and repayments matched by ID number in its own area and
kept once by its record ids; balances and states; extensions (展期) with approval; due-date warnings
per area and cadre; an overdue loan raising one monitoring alert however often it is seen; and 篇1's
figures — 408.7万元 outstanding, none overdue — counted from data."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.conftest import UserFactory
from tests.support.credit import (
    CREDIT_STATS,
    LOANS,
    REPAYMENTS,
    WAN,
    bank_loan,
    borrower,
    borrowers,
    days_from_today,
    loan_body,
    push,
)
from tests.support.database import libpq_url
from tests.support.events import deliver, forget_positions, relay_of
from tests.support.registry import HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas
from tests.support.system import Database


async def test_a_banks_loans_are_matched_by_id_number_in_its_area_and_kept_once(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    household, number = await borrower(admin, HUANGJIN)
    _, elsewhere = await borrower(admin, SHUANGFENG)  # another town's: not the bank's area
    bank = await user_headers("xinyongshe", "bureau_partner", TOWN)
    loans = [
        bank_loan("XD-001", number),
        bank_loan("XD-002", elsewhere),
        bank_loan("XD-003", number, due_on="2000-01-01"),  # due before it starts
    ]

    first = await push(admin, loans, bank)
    assert (first["created"], first["unknown_ids"], first["failed"]) == (1, 1, 1)
    assert [i["status"] for i in first["items"]] == ["created", "unknown_id", "invalid"]
    again = await push(admin, loans[:1], bank)
    assert (again["created"], again["duplicates"]) == (0, 1)
    changed = await push(admin, [loans[0] | {"amount_fen": 3 * WAN}], bank)
    assert changed["items"][0]["status"] == "conflict"

    listed = (await admin.get(LOANS, params={"household_id": household["id"]})).json()["items"]
    assert len(listed) == 1
    loan = listed[0]
    assert (loan["record_id"], loan["area_code"], loan["balance_fen"], loan["state"]) == (
        "XD-001",
        HUANGJIN,
        5 * WAN,
        "current",
    )
    assert loan["person_id"] == household["members"][0]["id"]
    assert "national_id" not in loan
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:  # the number is nowhere in what projects keeps
        rows = await conn.fetch("SELECT l::text AS row FROM projects.loans l")
        audit = await conn.fetch("SELECT a::text AS row FROM projects.audit_log a")
    finally:
        await conn.close()
    assert rows and all(number not in r["row"] for r in [*rows, *audit])


async def test_repayments_lower_the_balance_never_below_zero_and_repay_the_loan(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    _, number = await borrower(admin, HUANGJIN)
    bank = await user_headers("xinyongshe", "bureau_partner", TOWN)
    loan_id = (await push(admin, [bank_loan("XD-1", number)], bank))["items"][0]["loan_id"]
    yesterday = days_from_today(-1)

    def repayment(record_id: str, fen: int, loan: str = "XD-1") -> dict:
        return {"record_id": record_id, "loan_record_id": loan, "amount_fen": fen, "paid_on": yesterday}

    batch = [repayment("HK-1", 2 * WAN), repayment("HK-2", 4 * WAN), repayment("HK-3", 1, loan="XD-9")]
    answered = await admin.post(f"{REPAYMENTS}/batch", json={"repayments": batch}, headers=bank)
    assert answered.status_code == 200, answered.text
    items = answered.json()["items"]
    assert [i["status"] for i in items] == ["created", "invalid", "invalid"]
    assert items[1]["error"]["errors"][0]["code"] == "repayment_above_balance"
    assert items[2]["error"]["errors"][0]["code"] == "loan_not_found"
    detail = (await admin.get(f"{LOANS}/{loan_id}")).json()
    assert (detail["repaid_fen"], detail["balance_fen"], len(detail["repayments"])) == (2 * WAN, 3 * WAN, 1)

    rest = await admin.post(
        f"{REPAYMENTS}/batch", json={"repayments": [repayment("HK-4", 3 * WAN)]}, headers=bank
    )
    assert rest.json()["created"] == 1
    again = await admin.post(
        f"{REPAYMENTS}/batch", json={"repayments": [repayment("HK-4", 3 * WAN)]}, headers=bank
    )
    assert again.json()["duplicates"] == 1
    repaid = (await admin.get(f"{LOANS}/{loan_id}")).json()
    assert (repaid["balance_fen"], repaid["state"], repaid["repaid_on"]) == (0, "repaid", yesterday)


async def test_an_overdue_loan_raises_one_alert_on_the_household_however_often_it_is_seen(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    household, number = await borrower(admin, HUANGJIN)
    _, punctual = await borrower(admin, HUANGJIN)
    bank = await user_headers("xinyongshe", "bureau_partner", TOWN)
    late = bank_loan("XD-7", number, due_on=days_from_today(-3))
    first = await push(admin, [late, bank_loan("XD-8", punctual)], bank)
    assert (first["created"], first["overdue_reported"]) == (2, 1)
    assert (await push(admin, [late], bank))["overdue_reported"] == 0  # the feed repeats
    scan = await admin.post(f"{LOANS}/overdue-scan", json={})
    assert (scan.status_code, scan.json()) == (200, {"overdue_reported": 0})
    overdue = (await admin.get(LOANS, params={"state": "overdue"})).json()["items"]
    assert [(o["record_id"], o["overdue_reported_on"]) for o in overdue] == [
        ("XD-7", china_today().isoformat())
    ]

    relay = relay_of(system, "projects")
    assert await deliver(relay, 1) >= 1
    await forget_positions(clean_database, "projects")
    await deliver(relay, 1)  # delivered again, as after a relay crash
    alerts = (await admin.get("/api/v1/alerts", params={"risk_code": "loan_overdue"})).json()["items"]
    assert len(alerts) == 1
    assert alerts[0]["household_id"] == household["id"]
    assert alerts[0]["signals"] == 1  # found once, not once per delivery
    assert alerts[0]["reason"].startswith("小额信贷逾期：紫阳县农村信用合作联社贷款")


async def test_due_date_warnings_per_area_and_cadre_within_the_days_asked(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    people = [await borrower(admin, v) for v in (HUANGJIN, HUANGJIN, LONGQUAN, HUANGJIN)]
    dues = (10, 25, 20, 45)
    for (household, _), days in zip(people, dues, strict=True):
        made = await admin.post(
            LOANS, json=loan_body(household["members"][0]["id"], due_on=days_from_today(days))
        )
        assert made.status_code == 201, made.text
    cadre = await admin.post(
        "/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李干部", "unit": "镇政府"}
    )
    paired = await admin.post(
        f"/api/v1/cadres/{cadre.json()['id']}/assignments",
        json={"household_id": people[1][0]["id"], "starts_on": "2025-01-01"},
    )
    assert paired.status_code == 201, paired.text

    def due(page: dict) -> list[int]:
        return [item["days_to_due"] for item in page["items"]]

    town = (await admin.get(f"{LOANS}/due-soon", params={"within": TOWN})).json()
    assert due(town) == [10, 20, 25]  # soonest first; 45 days is not yet
    assert due((await admin.get(f"{LOANS}/due-soon", params={"within": HUANGJIN, "days": 60})).json()) == [
        10,
        25,
        45,
    ]
    first = (await admin.get(f"{LOANS}/due-soon", params={"within": TOWN, "limit": 2})).json()
    rest = (
        await admin.get(f"{LOANS}/due-soon", params={"within": TOWN, "cursor": first["next_cursor"]})
    ).json()
    assert due(first) + due(rest) == [10, 20, 25]
    mine = await admin.get(f"{LOANS}/due-soon", params={"within": TOWN, "cadre_id": cadre.json()["id"]})
    assert due(mine.json()) == [25]
    nobody = await admin.get(f"{LOANS}/due-soon", params={"cadre_id": str(uuid.uuid4())})
    assert (nobody.status_code, nobody.json()["code"]) == (404, "cadre_not_found")
    stats = (await admin.get(CREDIT_STATS, params={"area": TOWN})).json()
    assert (stats["due_soon_count"], stats["due_soon_fen"], stats["warning_days"]) == (3, 15 * WAN, 30)


async def test_an_extension_moves_the_due_date_only_when_approved(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    household, _ = await borrower(admin, HUANGJIN)
    loan = (
        await admin.post(LOANS, json=loan_body(household["members"][0]["id"], due_on=days_from_today(5)))
    ).json()
    town = await user_headers("zhen", "town_reviewer", TOWN)
    ask = {"id": str(uuid.uuid4()), "due_on": days_from_today(370), "reason": "肉牛行情下跌，申请展期一年"}
    url = f"{LOANS}/{loan['id']}/extensions"

    early = await admin.post(url, json=ask | {"id": str(uuid.uuid4()), "due_on": days_from_today(1)})
    assert (early.status_code, early.json()["errors"][0]["code"]) == (422, "due_not_later")
    asked = await admin.post(url, json=ask, headers=town)
    assert (asked.status_code, asked.json()["state"]) == (201, "requested"), asked.text
    assert (await admin.post(url, json=ask, headers=town)).status_code == 200  # a retry
    other = await admin.post(url, json=ask | {"id": str(uuid.uuid4())}, headers=town)
    assert (other.status_code, other.json()["code"]) == (409, "extension_pending")
    decide = f"{url}/{asked.json()['id']}/decision"
    assert (
        await admin.post(decide, json={"base_version": 1, "approve": True}, headers=town)
    ).status_code == 403
    stale = await admin.post(decide, json={"base_version": 9, "approve": True})
    assert stale.status_code == 409
    approved = await admin.post(decide, json={"base_version": 1, "approve": True, "note": "同意"})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["current_due_on"], body["due_on"], body["state"]) == (
        ask["due_on"],
        loan["due_on"],
        "current",
    )
    assert body["extensions"][0]["state"] == "approved"
    soon = (await admin.get(f"{LOANS}/due-soon")).json()["items"]
    assert soon == []

    off = await admin.post(
        f"{LOANS}/{loan['id']}/write-off",
        json={"base_version": body["version"], "on": days_from_today(0), "reason": "借款人死亡"},
    )
    assert (off.status_code, off.json()["state"]) == (200, "written_off"), off.text
    closed = await admin.post(url, json=ask | {"id": str(uuid.uuid4())})
    assert (closed.status_code, closed.json()["code"]) == (409, "loan_closed")


async def test_a_loan_by_hand_names_a_living_person_of_your_area(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    household, _ = await borrower(admin, SHUANGFENG)
    county_of_town = await user_headers("huangjin_town", "county_admin", TOWN)  # 蒿坪镇, not 双丰镇
    body = loan_body(household["members"][0]["id"])
    outside = await admin.post(LOANS, json=body, headers=county_of_town)
    assert (outside.status_code, outside.json()["errors"][0]["code"]) == (422, "person_not_found")
    made = await admin.post(LOANS, json=body)
    assert made.status_code == 201, made.text
    assert (await admin.post(LOANS, json=body)).status_code == 200
    assert (await admin.post(LOANS, json=body | {"bank": "邮储银行"})).status_code == 409
    assert (await admin.get(f"{LOANS}/{made.json()['id']}", headers=county_of_town)).status_code == 404


async def test_pian1_town_has_408_7_wan_outstanding_none_overdue_from_data(
    admin: httpx.AsyncClient, clean_database: Database, user_headers: UserFactory
) -> None:
    """篇1: 全镇现有存量贷款408.7万元，无逾期现象 — 81 loans of 5万 and one of 3.7万, three due within
    30 days; one more repaid on time last year is not outstanding."""
    await make_areas(admin)
    people = await borrowers(admin, SHUANGFENG, 83)
    bank = await user_headers("xinyongshe", "bureau_partner", OTHER_TOWN)
    loans = [
        bank_loan(f"XD-{i:03d}", number, due_on=days_from_today(10 + i if i < 3 else 200 + i))
        for i, (_, number) in enumerate(people[:81])
    ]
    loans.append(bank_loan("XD-081", people[81][1], amount_fen=37_000 * 100))
    repaid_on_time = bank_loan(
        "XD-082",
        people[82][1],
        starts_on="2021-03-01",
        due_on=(china_today() - timedelta(days=40)).isoformat(),
    )
    result = await push(admin, [*loans, repaid_on_time], bank)
    assert result["created"] == 83, result
    paid = {"record_id": "HK-082", "loan_record_id": "XD-082", "amount_fen": 5 * WAN, "paid_on": "2023-03-01"}
    assert (await admin.post(f"{REPAYMENTS}/batch", json={"repayments": [paid]}, headers=bank)).json()[
        "created"
    ] == 1

    stats = (await admin.get(CREDIT_STATS, params={"area": OTHER_TOWN})).json()
    assert (stats["outstanding_count"], stats["outstanding_fen"]) == (82, 408_700_000)  # 408.7万元
    assert (stats["overdue_count"], stats["overdue_fen"]) == (0, 0)  # 无逾期
    assert (stats["due_soon_count"], stats["repaid_on_time"], stats["repaid_late"]) == (3, 1, 0)
    assert [(c["area_code"], c["outstanding_fen"]) for c in stats["children"]] == [(SHUANGFENG, 408_700_000)]
    # Two years ago only the loan repaid since stood, unpaid.
    before = (await admin.get(CREDIT_STATS, params={"area": OTHER_TOWN, "as_of": "2022-01-01"})).json()
    assert (before["outstanding_count"], before["outstanding_fen"]) == (1, 5 * WAN)

    report = (await admin.get("/api/v1/reports/area-summary", params={"area": OTHER_TOWN})).json()
    assert report["credit"]["outstanding_fen"] == 408_700_000
    sheet = await admin.get(f"{LOANS}/export", params={"within": OTHER_TOWN, "format": "csv"})
    assert sheet.status_code == 200
    lines = sheet.text.splitlines()
    assert lines[0].lstrip("\ufeff").startswith("村代码,村名称,户编号,贷款银行,贷款金额（分）")
    assert len(lines) == 84 and "双丰村" in lines[1]


async def test_the_demo_lends_pian1s_408_7_wan_none_overdue_three_due_soon_and_loads_again_as_retries(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    from fangpin.demo_credit import load_credit

    await make_areas(admin)
    await borrowers(admin, SHUANGFENG, 82)
    assert await load_credit(admin, {}) == {"loans": 82}
    assert await load_credit(admin, {}) == {"loans": 0}  # each a retry

    stats = (await admin.get(CREDIT_STATS, params={"area": OTHER_TOWN})).json()
    assert (stats["outstanding_count"], stats["outstanding_fen"]) == (82, 408_700_000)
    assert (stats["overdue_count"], stats["due_soon_count"]) == (0, 3)
    soon = (await admin.get(f"{LOANS}/due-soon", params={"within": OTHER_TOWN})).json()["items"]
    assert [loan["days_to_due"] for loan in soon] == [9, 17, 26]


async def test_the_services_own_scan_finds_a_loan_that_fell_due_once(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    from services.projects.credit.scanner import scan_once

    await make_areas(admin)
    household, _ = await borrower(admin, HUANGJIN)
    lent = await admin.post(LOANS, json=loan_body(household["members"][0]["id"], due_on=days_from_today(2)))
    assert lent.status_code == 201, lent.text
    projects = system.state.local_apps["projects"]
    assert await scan_once(projects) == 0  # not due yet
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:  # as if three days had passed
        await conn.execute(
            "UPDATE projects.loans SET due_on = current_date - 1, starts_on = current_date - 400"
        )
    finally:
        await conn.close()
    assert (await scan_once(projects), await scan_once(projects)) == (1, 0)
