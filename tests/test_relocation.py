"""Relocation settlements (易地扶贫搬迁): 篇5's 显月寺 figures come from the records (58 = 42 + 16; 36
households paid 133万, each at least 3万), an unpaid household past its date is in the warnings, the
main structure past its date warns until it is recorded done, and the ledger and the area report say
the same."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook

from services.projects.relocation.ledger import HEADERS
from tests.conftest import UserFactory
from tests.support.projects import WAN
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    TOWN,
    make_areas,
    seed_households,
)
from tests.support.relocation import settlement_body, settlement_project
from tests.support.system import Database

SETTLEMENTS = "/api/v1/settlements"


async def make_settlement(client: httpx.AsyncClient, headers: dict, **fields: Any) -> dict[str, Any]:
    project = await client.post("/api/v1/projects", json=settlement_project(), headers=headers)
    assert project.status_code == 201, project.text
    made = await client.post(
        SETTLEMENTS, json=settlement_body(project.json()["id"], **fields), headers=headers
    )
    assert made.status_code == 201, made.text
    return made.json()


async def sign_up(
    client: httpx.AsyncClient, settlement: dict, household: str, unit: str, headers: dict, **fields: Any
) -> httpx.Response:
    types = {t["code"]: t["id"] for t in settlement["unit_types"]}
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household,
        "unit_type_id": types[unit],
        "signed_on": "2025-09-20",
    }
    return await client.post(
        f"{SETTLEMENTS}/{settlement['id']}/households", json=body | fields, headers=headers
    )


def payment(household: str, amount_fen: int, **fields: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "household_id": household, "amount_fen": amount_fen}
    return body | {"paid_on": "2025-11-05", "voucher": f"XYS-{uuid.uuid4().hex[:8]}"} | fields


async def test_pian5s_settlement_figures_come_from_its_records_and_late_payers_are_warned(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory, clean_database: Database
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    settlement = await make_settlement(client, county)
    assert [(t["code"], t["planned_units"], t["turnkey"]) for t in settlement["unit_types"]] == [
        ("A131", 42, False),
        ("T50", 16, True),
    ]
    assert settlement["min_down_payment_fen"] == 3 * WAN and settlement["build_status"] == "not_started"
    relocated = await seed_households(clean_database.owner_url, HUANGJIN, 42)
    turnkey = await seed_households(clean_database.owner_url, HUANGJIN, 16)
    for household in relocated:
        assert (await sign_up(client, settlement, household, "A131", county)).status_code == 201
    for household in turnkey:
        signed = await sign_up(client, settlement, household, "T50", county, down_payment_due_fen=5 * WAN)
        assert signed.status_code == 201 and signed.json()["down_payment_due_fen"] == 0  # turnkey owes none
    # 36 of the 42 paid 133万 in all: 25 paid 4万 and 11 paid 3万 (at least 3万 each).
    url = f"{SETTLEMENTS}/{settlement['id']}/payments"
    for index, household in enumerate(relocated[:36]):
        paid = await client.post(url, json=payment(household, (4 if index < 25 else 3) * WAN), headers=county)
        assert paid.status_code == 201, paid.text

    figures = await client.get(f"{SETTLEMENTS}/{settlement['id']}/figures?as_of=2026-01-10", headers=county)
    assert figures.status_code == 200, figures.text
    f = figures.json()
    assert (f["planned_households"], f["planned_relocated"], f["planned_turnkey"]) == (58, 42, 16)
    assert (f["signed_up"], f["paid_households"], f["paid_fen"]) == (58, 36, 133 * WAN)
    assert (f["paid_in_full"], f["late_payment"], f["late"]) == (36 + 16, 6, [])

    warnings = await client.get(f"{SETTLEMENTS}/warnings?as_of=2026-01-10", headers=county)
    late = [w for w in warnings.json()["items"] if w["kind"] == "late_payment"]
    assert sorted(w["household_id"] for w in late) == sorted(relocated[36:])
    assert {(w["due_fen"], w["paid_fen"], w["days_late"]) for w in late} == {(3 * WAN, 0, 10)}
    before_due = await client.get(f"{SETTLEMENTS}/warnings?as_of=2025-12-31", headers=county)
    assert before_due.json()["items"] == []

    # One of the six pays late: it leaves the warnings; the main structure past June warns until done.
    assert (
        await client.post(url, json=payment(relocated[36], 3 * WAN, paid_on="2026-01-12"), headers=county)
    ).status_code == 201
    july = (await client.get(f"{SETTLEMENTS}/warnings?as_of=2026-07-05&limit=4", headers=county)).json()
    cursor = {"cursor": july["next_cursor"]}
    rest = (
        await client.get(f"{SETTLEMENTS}/warnings?as_of=2026-07-05", params=cursor, headers=county)
    ).json()
    assert rest["next_cursor"] is None
    kinds = sorted(w["kind"] for w in july["items"] + rest["items"])
    assert kinds == ["late_main_structure"] + ["late_payment"] * 5
    done = {"base_version": settlement["version"], "main_structure_done_on": "2026-06-28"}
    patched = await client.patch(f"{SETTLEMENTS}/{settlement['id']}", json=done, headers=county)
    assert patched.status_code == 200 and patched.json()["build_status"] == "main_structure_done"
    stale = await client.patch(f"{SETTLEMENTS}/{settlement['id']}", json=done, headers=county)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    july = (await client.get(f"{SETTLEMENTS}/warnings?as_of=2026-07-05", headers=county)).json()
    assert [w["kind"] for w in july["items"]] == ["late_payment"] * 5

    # The area's figures and its report say the same, as of the same day.
    stats = (
        await client.get(f"/api/v1/relocation-stats?area={HUANGJIN}&as_of=2026-01-10", headers=county)
    ).json()
    totals = stats["relocation"]
    assert (totals["settlements"], totals["planned_households"], totals["paid_households"]) == (1, 58, 36)
    assert (totals["paid_fen"], totals["late_payment"]) == (133 * WAN, 6)
    report = await client.get(
        f"/api/v1/reports/area-summary?area={HUANGJIN}&as_of=2026-01-10", headers=county
    )
    assert report.json()["relocation"]["relocation"] == totals
    sheet = await client.get(f"/api/v1/reports/area-summary?area={HUANGJIN}&format=xlsx", headers=county)
    assert "易地搬迁" in load_workbook(io.BytesIO(sheet.content)).sheetnames

    # The ledger (搬迁台账): a row a household, its village named, its payment and whether late.
    ledger = await client.get(f"{SETTLEMENTS}/export?as_of=2026-01-10", headers=county)
    assert ledger.status_code == 200, ledger.text
    rows = list(load_workbook(io.BytesIO(ledger.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 1 + 58
    table = [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]
    assert {r["安置点村名称"] for r in table} == {"黄金村"}
    assert sum(int(r["已缴首付（分）"]) for r in table) == 133 * WAN
    assert sum(r["首付逾期"] == "是" for r in table) == 6


async def test_sign_ups_and_payments_are_checked_and_kept_once(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory, clean_database: Database
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    settlement = await make_settlement(client, county)
    [household, other] = await seed_households(clean_database.owner_url, HUANGJIN, 2)
    below = await sign_up(client, settlement, household, "A131", county, down_payment_due_fen=2 * WAN)
    assert below.status_code == 422 and below.json()["code"] == "down_payment_below_minimum"
    signed = await sign_up(client, settlement, household, "A131", county, id=str(uuid.uuid4()))
    assert signed.status_code == 201, signed.text
    again = await client.post(
        f"{SETTLEMENTS}/{settlement['id']}/households",
        json={k: signed.json()[k] for k in ("id", "household_id", "unit_type_id", "signed_on")},
        headers=county,
    )
    assert again.status_code == 200 and again.json()["id"] == signed.json()["id"]
    twice = await sign_up(client, settlement, household, "T50", county)
    assert twice.status_code == 409 and twice.json()["code"] == "household_signed_up"

    # A village cadre of 龙泉村 cannot see 黄金村's settlement; a household of another village is unknown.
    longquan = await user_headers("longquan", "county_admin", LONGQUAN)
    hidden = await client.get(f"{SETTLEMENTS}/{settlement['id']}", headers=longquan)
    assert hidden.status_code == 404 and hidden.json()["code"] == "settlement_not_found"
    [elsewhere] = await seed_households(clean_database.owner_url, SHUANGFENG, 1)
    town = await user_headers("zhen", "county_admin", TOWN)
    unknown = await sign_up(client, settlement, elsewhere, "A131", town)
    assert unknown.status_code == 422 and unknown.json()["code"] == "household_not_found"

    url = f"{SETTLEMENTS}/{settlement['id']}/payments"
    body = payment(household, 3 * WAN)
    assert (await client.post(url, json=body, headers=county)).status_code == 201
    retry = await client.post(url, json=body, headers=county)
    assert retry.status_code == 200 and retry.json()["id"] == body["id"]
    changed = await client.post(url, json=body | {"amount_fen": 4 * WAN}, headers=county)
    assert changed.status_code == 409 and changed.json()["code"] == "payment_id_in_use"
    early = await client.post(url, json=payment(household, WAN, paid_on="2025-09-01"), headers=county)
    assert early.status_code == 422 and early.json()["code"] == "date_too_early"
    not_signed = await client.post(url, json=payment(other, WAN), headers=county)
    assert not_signed.status_code == 422 and not_signed.json()["code"] == "household_not_found"
    listed = (await client.get(f"{SETTLEMENTS}/{settlement['id']}/households", headers=county)).json()[
        "items"
    ]
    assert [(h["household_id"], h["paid_fen"], h["last_paid_on"]) for h in listed] == [
        (household, 3 * WAN, "2025-11-05")
    ]
