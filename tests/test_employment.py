"""Employment records: histories that read back in order and as of any date, idempotent batches, 人社
systems naming people by ID number, events once per real change, year-on-year statistics, the ledger."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import json
import uuid
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openpyxl
import psutil
import pytest
from fastapi import FastAPI

from services.common.auth import InternalTokenSigner, Principal, PrincipalKind, Role
from services.common.events.relay import DeliveryFailed
from services.jobs.employment.codes import EmploymentStatus
from services.jobs.employment.ledger import HEADERS
from services.jobs.employment.stats import year_before
from tests.support.cases import enrol_past
from tests.support.database import libpq_url
from tests.support.events import forget_positions, relay_of, relay_to_nowhere, unreachable
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    TOWN,
    make_areas,
    make_household,
    member,
)
from tests.support.system import Database, Keys

URL = "/api/v1/employment-records"


def record(
    person_id: Any = None, status: str = "local", reported_on: str = "2025-03-01", **fields: Any
) -> dict:
    body = {"id": str(uuid.uuid4()), "status": status, "source": "door_to_door", "reported_on": reported_on}
    if person_id is not None:
        body["person_id"] = str(person_id)
    return body | fields


async def fetch(database: Database, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def person(admin: httpx.AsyncClient, village: str = HUANGJIN, **fields: Any) -> dict:
    """A registered person: ids of the person and household, and the village."""
    household = await make_household(admin, village, members=1, **fields)
    return {"id": household["head_person_id"], "household_id": household["id"], "area_code": village}


async def post(client: httpx.AsyncClient, body: dict, **kw: Any) -> httpx.Response:
    response = await client.post(URL, json=body, **kw)
    assert response.status_code in (200, 201), response.text
    return response


async def history(client: httpx.AsyncClient, person_id: str, **params: Any) -> list[dict]:
    response = await client.get(URL, params={"person_id": person_id} | params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_persons_history_reads_back_in_order_and_as_of_any_date(admin: httpx.AsyncClient) -> None:
    await make_areas(admin)
    p = await person(admin)
    shenzhen = record(
        p["id"], "away_out_of_province", "2024-03-01", place_code="440300000000", employer="深圳某电子厂",
        industry="制造业", started_on="2024-02-20", monthly_income=5200.5,
    )  # fmt: skip
    home = record(p["id"], "local", "2025-02-10", employer="村茶厂", monthly_income=2400)
    late = record(
        p["id"], "away_in_province", "2024-09-01", place_code="610100000000"
    )  # a phone syncing late
    correction = record(p["id"], "self_employed", "2025-02-10", note="更正：自营茶叶")  # same day, later
    for body in (shenzhen, home, late, correction):
        await post(admin, body)

    rows = await history(admin, p["id"])
    assert [r["id"] for r in rows] == [shenzhen["id"], late["id"], home["id"], correction["id"]]
    first = rows[0]
    assert (first["household_id"], first["area_code"], first["household_category"]) == (
        p["household_id"],
        HUANGJIN,
        "ordinary",
    )
    assert (first["place_code"], first["employer"], first["monthly_income"]) == (
        "440300000000",
        "深圳某电子厂",
        5200.5,
    )
    # Every change is still there, page by page.
    page = (await admin.get(URL, params={"person_id": p["id"], "limit": 3})).json()
    rest = (await admin.get(URL, params={"person_id": p["id"], "cursor": page["next_cursor"]})).json()
    assert [r["id"] for r in page["items"] + rest["items"]] == [r["id"] for r in rows]
    assert rest["next_cursor"] is None

    expected = {
        "2024-02-29": None,
        "2024-03-01": "away_out_of_province",
        "2024-08-31": "away_out_of_province",
        "2024-12-31": "away_in_province",
        "2025-02-09": "away_in_province",
        "2025-02-10": "self_employed",
        date.today().isoformat(): "self_employed",
    }
    for day, status in expected.items():
        held = await history(admin, p["id"], as_of=day)
        assert [r["status"] for r in held] == ([status] if status else []), day

    # The household's view and the filters agree; out of scope there is nothing.
    assert len(await history(admin, p["id"], household_id=p["household_id"])) == 4
    assert len(await history(admin, p["id"], status="away_in_province")) == 1
    assert await history(admin, p["id"], area=SHUANGFENG) == []


async def test_batch_items_stand_alone_and_retries_change_nothing(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    ours, neighbours = await person(admin), await person(admin, LONGQUAN)
    cadre = await user_headers("cadre1", "village_cadre", HUANGJIN)
    good = record(ours["id"], "away_out_of_province", "2025-01-05", place_name="广东东莞")
    changed = good | {"place_name": "广东深圳"}
    broken = record(ours["id"]) | {"monthly_income": "3000"}
    outside = record(neighbours["id"])  # the sibling village's person: as if unknown to this cadre
    nobody = record(uuid.uuid4())
    body = {
        "items": [good, broken, outside, good, changed, nobody, record(ours["id"], "local", "2025-06-01")]
    }
    result = await admin.post(f"{URL}/batch", json=body, headers=cadre)
    assert result.status_code == 200, result.text
    items = result.json()["items"]
    assert [i["status"] for i in items] == [
        "created",
        "invalid",
        "invalid",
        "duplicate",
        "conflict",
        "invalid",
        "created",
    ]
    assert result.json() | {"items": None} == {"created": 2, "duplicates": 1, "failed": 4, "items": None}
    assert items[1]["error"]["errors"][0]["loc"] == ["body", "items", 1, "monthly_income"]
    assert items[2]["error"]["errors"] == [
        {"loc": ["body", "items", 2, "person_id"], "msg": "No such person is registered in your area",
         "code": "person_not_found"}
    ]  # fmt: skip
    assert items[5]["error"]["code"] == "person_not_found"
    assert items[6]["events"] == ["employment.returned_home"]

    again = await admin.post(f"{URL}/batch", json=body, headers=cadre)
    assert [i["status"] for i in again.json()["items"]] == [
        "duplicate",
        "invalid",
        "invalid",
        "duplicate",
        "conflict",
        "invalid",
        "duplicate",
    ]
    single = await admin.post(URL, json=changed, headers=cadre)
    assert (single.status_code, single.json()["code"]) == (409, "employment_record_id_in_use")
    assert (await admin.post(URL, json=good, headers=cadre)).status_code == 200
    rows = await fetch(clean_database, "SELECT recorded_by_name FROM jobs.employment_records")
    assert [r["recorded_by_name"] for r in rows] == ["cadre1", "cadre1"]
    assert len(await fetch(clean_database, "SELECT id FROM jobs.outbox_events")) == 1
    audit = await fetch(
        clean_database,
        "SELECT resource_id FROM jobs.audit_log WHERE action = 'employment_record.create'",
    )
    assert sorted(r["resource_id"] for r in audit) == sorted([good["id"], body["items"][6]["id"]])


async def test_a_hrss_system_names_people_by_id_number_and_reads_nothing_back(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    worker = member(name="张三")
    created = await admin.post(
        "/api/v1/households", json={"number": "E0001", "area_code": HUANGJIN, "members": [worker]}
    )
    assert created.status_code == 201, created.text
    person_id = created.json()["head_person_id"]
    hrss = await user_headers("renshe", "bureau_partner", COUNTY)
    by_number = record(status="away_out_of_province", national_id=worker["national_id"], source="hrss_system")
    by_number |= {"reported_on": "2025-04-01", "employer": "武汉某物流公司", "place_code": "420100000000"}
    answer = await admin.post(
        f"{URL}/batch",
        json={
            "items": [
                by_number,
                record(person_id, source="hrss_system"),  # this role cannot read where people live
                record(national_id="610924199001011234", source="hrss_system"),  # nobody has this number
            ]
        },
        headers=hrss,
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["status"], (i["error"] or {}).get("code")) for i in items] == [
        ("created", None),
        ("forbidden", "name_by_national_id"),
        ("invalid", "person_not_found"),
    ]
    assert "household" not in answer.text and worker["national_id"] not in answer.text

    # The record is the person's, as the county reads it; the same record named by person_id is the same.
    rows = await history(admin, person_id)
    assert [(r["id"], r["status"], r["employer"]) for r in rows] == [
        (by_number["id"], "away_out_of_province", "武汉某物流公司")
    ]
    same = {k: v for k, v in by_number.items() if k != "national_id"} | {"person_id": person_id}
    assert (await admin.post(URL, json=same)).status_code == 200
    # Partners read no personal data, only counts.
    assert (await admin.get(URL, headers=hrss)).status_code == 403
    counts = await admin.get("/api/v1/employment-stats", params={"area": COUNTY}, headers=hrss)
    assert counts.status_code == 200
    assert person_id not in counts.text and worker["national_id"] not in counts.text


async def test_events_are_written_once_per_real_change(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    a = await person(admin, category="escaped")
    b = await person(admin, LONGQUAN)
    await post(
        admin, record(a["id"], "away_out_of_province", "2025-01-10", monthly_income=6000, ended_on=None)
    )
    home = record(
        a["id"], "local", "2025-03-01", started_on="2025-03-05", monthly_income=3000, source="phone_survey"
    )
    # Ten phones retrying the same post at once: one record, one event.
    answers = await asyncio.gather(*(admin.post(URL, json=home) for _ in range(10)))
    assert sorted(r.status_code for r in answers) == [200] * 9 + [201], [r.text for r in answers]
    created = next(r for r in answers if r.status_code == 201).json()
    assert created["events"] == ["employment.returned_home"]
    lost = await post(admin, record(a["id"], "not_working", "2025-05-01"))
    assert lost.json()["events"] == ["employment.job_lost"]
    older = await post(admin, record(a["id"], "away_in_county", "2025-02-01"))  # late: changes nothing now
    assert older.json()["events"] == []
    # In one batch: local → away → not working. Coming home jobless is a return home, published once.
    batch = [
        record(b["id"], "local", "2025-01-01"),
        record(b["id"], "away_in_county", "2025-02-01", ended_on="2025-05-20"),
        record(b["id"], "not_working", "2025-06-01"),
    ]
    answer = (await admin.post(f"{URL}/batch", json={"items": batch})).json()
    assert [i["events"] for i in answer["items"]] == [[], [], ["employment.returned_home"]]
    assert (await admin.post(f"{URL}/batch", json={"items": batch})).json()["duplicates"] == 3

    events = await fetch(
        clean_database,
        "SELECT event_type, area_code, subject_id, payload::text FROM jobs.outbox_events ORDER BY id",
    )
    assert [(e["event_type"], e["area_code"], str(e["subject_id"])) for e in events] == [
        ("employment.returned_home", HUANGJIN, a["household_id"]),
        ("employment.job_lost", HUANGJIN, a["household_id"]),
        ("employment.returned_home", LONGQUAN, b["household_id"]),
    ]
    payloads = [json.loads(e["payload"]) for e in events]
    assert payloads[0] == {
        "record_id": home["id"],
        "person_id": a["id"],
        "household_id": a["household_id"],
        "area_code": HUANGJIN,
        "household_category": "escaped",
        "previous_status": "away_out_of_province",
        "new_status": "local",
        "monthly_income": 3000,
        "previous_monthly_income": 6000,
        "reported_on": "2025-03-01",
        "returned_on": "2025-03-01",  # no end date of the old job: the earlier of start and report
        "source": "phone_survey",
    }
    assert (payloads[1]["previous_status"], payloads[1]["new_status"], payloads[1]["lost_on"]) == (
        "local",
        "not_working",
        "2025-05-01",
    )
    assert payloads[1]["monthly_income"] is None
    assert (payloads[2]["previous_status"], payloads[2]["returned_on"]) == ("away_in_county", "2025-05-20")


async def test_coming_home_without_work_alerts_once_even_if_monitoring_was_down_or_hears_it_twice(
    admin: httpx.AsyncClient, system: Any, clean_database: Database, keys: Keys
) -> None:
    await make_areas(admin)
    p = await person(admin)
    await post(admin, record(p["id"], "away_out_of_province", "2025-01-10"))
    await post(admin, record(p["id"], "not_working", "2025-03-01"))
    relay = relay_of(system, "jobs")
    async with unreachable() as nowhere:  # monitoring is down when it happens
        with pytest.raises(DeliveryFailed):
            await relay_to_nowhere(relay, keys, nowhere).deliver_pending()
    assert await relay.deliver_pending() == 1  # back up: the event arrives
    await forget_positions(clean_database, "jobs")
    assert await relay.deliver_pending() == 1  # and arrives again, as after a relay crash
    alerts = (await admin.get("/api/v1/alerts", params={"household_id": p["household_id"]})).json()["items"]
    assert [(a["risk_code"], a["reason"], a["signals"]) for a in alerts] == [
        ("job_loss", "就业信息：务工人员返乡，现未就业、无收入（原：省外务工）", 1)
    ]


async def test_bad_input_is_a_422_naming_each_field_and_writes_nothing(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    p = await person(admin)
    bad = {"id": "not-a-uuid", "person_id": p["id"], "status": "on_the_moon", "reported_on": 20250101}
    response = await admin.post(URL, json=bad | {"monthly_income": "5000", "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("body", "id"),
        ("body", "status"),
        ("body", "reported_on"),
        ("body", "monthly_income"),
        ("body", "source"),
        ("body", "extra"),
    }
    for body, loc, code in (
        (record(), ["body", "person_id"], "person_required"),
        (record(p["id"], national_id="610924198001010011"), ["body", "national_id"], "person_twice"),
        (record(p["id"], started_on="2025-03-01", ended_on="2025-02-01"), ["body", "ended_on"],
         "ended_before_started"),
        (record(p["id"], reported_on="2999-01-01"), ["body", "reported_on"], "reported_in_future"),
        (record(p["id"], place_code="000000000001"), ["body", "place_code"], "place_code_invalid"),
        (record(p["id"], monthly_income=12.345), ["body", "monthly_income"], "decimal_max_places"),
        (record(uuid.uuid4()), ["body", "person_id"], "person_not_found"),
    ):  # fmt: skip
        response = await admin.post(URL, json=body)
        assert response.status_code == 422, response.text
        assert [(e["loc"], e["code"]) for e in response.json()["errors"]] == [(loc, code)], body
    assert (await admin.post(f"{URL}/batch", json={"items": []})).status_code == 422
    too_many = {"items": [record(p["id"]) for _ in range(1001)]}
    assert (await admin.post(f"{URL}/batch", json=too_many)).status_code == 422
    for table in ("employment_records", "outbox_events"):
        assert await fetch(clean_database, f"SELECT 1 FROM jobs.{table}") == []  # noqa: S608 - our names


def test_a_year_before_29_february_is_the_28th() -> None:
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_before(date(2026, 1, 15)) == date(2025, 1, 15)


async def test_year_on_year_statistics_across_a_year_boundary(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    h1 = await make_household(admin, HUANGJIN, members=2, category="escaped")
    h2 = await make_household(admin, LONGQUAN, members=2)
    await enrol_past(admin, system, [h2])  # 监测户 from today, through its case
    p5 = await person(admin, SHUANGFENG)
    p1, p2 = (m["id"] for m in h1["members"])
    p3, p4 = (m["id"] for m in h2["members"])
    records = [
        record(p1, "away_out_of_province", "2024-12-20", place_code="420100000000"),
        record(p1, "not_working", "2026-01-16"),  # after the date asked: not counted
        record(p2, "local", "2024-06-01"),
        record(p2, "away_in_province", "2025-12-31", place_code="610100000000"),
        record(p3, "away_in_county", "2025-01-10", place_code="610924108000"),
        record(p3, "not_working", "2026-01-14"),
        record(p4, "away_out_of_province", "2026-01-15", place_name="马来西亚"),
        record(p5["id"], "away_out_of_province", "2025-06-01", place_code="440300000000"),
    ]
    answer = await admin.post(f"{URL}/batch", json={"items": records})
    assert answer.json()["created"] == len(records), answer.text

    stats = (
        await admin.get("/api/v1/employment-stats", params={"area": COUNTY, "as_of": "2026-01-15"})
    ).json()
    assert (stats["as_of"], stats["previous_as_of"]) == ("2026-01-15", "2025-01-15")
    assert stats["people"] == {"current": 5, "previous": 3, "change": 2}
    assert stats["away"] == {"current": 4, "previous": 2, "change": 2}
    by_status = {s["status"]: (s["label"], s["current"], s["previous"]) for s in stats["by_status"]}
    assert by_status["away_out_of_province"] == ("省外务工", 3, 1)
    assert by_status["away_in_province"] == ("省内县外务工", 1, 0)
    assert by_status["away_in_county"] == ("县内乡外务工", 0, 1)
    assert by_status["local"] == ("本地务工", 0, 1)
    assert by_status["not_working"] == ("未就业", 1, 0)
    categories = {c["household_category"]: (c["label"], c["current"], c["previous"], c["change"])
                  for c in stats["away_by_household_category"]}  # fmt: skip
    assert categories == {
        "escaped": ("脱贫户", 2, 1, 1),
        "monitored": ("监测户", 1, 1, 0),
        "ordinary": ("一般农户", 1, 0, 1),
    }
    destinations = {d["destination"]: (d["current"], d["previous"]) for d in stats["away_by_destination"]}
    assert destinations == {
        "420000000000": (1, 1),
        "440000000000": (1, 0),
        "610000000000": (1, 1),
        "马来西亚": (1, 0),
    }
    children = {c["area_code"]: (c["people"]["current"], c["people"]["previous"], c["away"]["current"])
                for c in stats["children"]}  # fmt: skip
    assert children == {TOWN: (4, 3, 3), "610924108000": (1, 0, 1)}

    # A village cadre sees its own village, and no further.
    cadre = await user_headers("cadre-hj", "village_cadre", HUANGJIN)
    village = await admin.get(
        "/api/v1/employment-stats", params={"area": HUANGJIN, "as_of": "2026-01-15"}, headers=cadre
    )
    assert (village.json()["people"], village.json()["children"]) == (
        {"current": 2, "previous": 2, "change": 0},
        [],
    )
    town = await admin.get("/api/v1/employment-stats", params={"area": TOWN}, headers=cadre)
    assert (town.status_code, town.json()["code"]) == (404, "area_not_found")


async def test_the_ledger_exports_as_csv_and_xlsx(admin: httpx.AsyncClient, user_headers) -> None:  # noqa: ANN001
    await make_areas(admin)
    p = await person(admin, category="escaped")
    q = await person(admin, LONGQUAN)
    await post(admin, record(p["id"], "away_out_of_province", "2024-03-01", employer="=HYPERLINK(1)"))
    await post(admin, record(p["id"], "local", "2025-02-01", monthly_income=2400.5, started_on="2025-01-20"))
    await post(admin, record(q["id"], "public_welfare_post", "2025-01-01", employer="保洁 & 巡河 <公益岗>"))

    response = await admin.get(f"{URL}/export", params={"format": "csv", "area": TOWN})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == HEADERS
    assert [(row[0], row[5]) for row in lines[1:]] == sorted(
        [(p["id"], "省外务工"), (p["id"], "本地务工"), (q["id"], "公益岗")], key=lambda r: r[0] != p["id"]
    )
    first_of_p = lines[1]
    assert first_of_p[4] == "脱贫户" and first_of_p[9] == "'=HYPERLINK(1)"  # no formula runs
    assert (first_of_p[2], first_of_p[3]) == (HUANGJIN, "黄金村")  # each code with its name

    response = await admin.get(f"{URL}/export", params={"as_of": "2025-01-15"})
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    as_of = {row[0]: row for row in rows[1:]}
    assert as_of[p["id"]][5] == "省外务工" and as_of[q["id"]][9] == "保洁 & 巡河 <公益岗>"
    assert as_of[q["id"]][15].date() == date(2025, 1, 1)  # a real date cell
    latest = openpyxl.load_workbook(
        io.BytesIO((await admin.get(f"{URL}/export", params={"as_of": "2025-03-01"})).content)
    )
    values = {row[0]: row for row in latest.active.iter_rows(min_row=2, values_only=True)}
    assert (values[p["id"]][5], values[p["id"]][13]) == ("本地务工", 2400.5)

    outside = await admin.get(
        f"{URL}/export",
        params={"area": "610925000000"},
        headers=await user_headers("county-a", "county_admin", COUNTY),
    )
    assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found")


LEDGER_COLUMNS = (
    "id", "person_id", "household_id", "area_code", "household_category", "status", "place_code",
    "employer", "industry", "started_on", "monthly_income", "source", "reported_on", "content_sha256",
    "recorded_by", "recorded_by_name",
)  # fmt: skip


async def copy_records(database: Database, village: str, count: int) -> None:
    """Rows straight into the table (the intake has tests of its own): ``count`` people, one record each."""
    statuses = [s.value for s in EmploymentStatus]
    rows = [
        (uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), village, "escaped", statuses[i % len(statuses)],
         "440300000000", f"深圳某电子厂{i % 97}", "制造业", date(2024, 1, 1), Decimal("3000.50"),
         "hrss_system", date(2025, 1, 1) + timedelta(days=i % 300), b"-", "test", "test")
        for i in range(count)
    ]  # fmt: skip
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.copy_records_to_table(
            "employment_records", schema_name="jobs", records=rows, columns=LEDGER_COLUMNS
        )
    finally:
        await conn.close()


async def stream_export(app: Any, token: str, query: str, into: Path) -> int:
    """GET the ledger from the jobs service itself, writing each chunk to a file as it arrives (httpx's
    in-process transport would hold the whole answer); how far the process's memory (RSS) rose above
    where it was at the start, at its highest, sampled at every chunk."""
    sent = asyncio.Event()
    status: list[int] = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": f"{URL}/export", "raw_path": f"{URL}/export".encode(), "query_string": query.encode(),
        "headers": [(b"authorization", f"Bearer {token}".encode())], "server": ("jobs.local", 80),
        "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip

    async def receive() -> dict:
        if not sent.is_set():
            sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays until the end
        return {"type": "http.disconnect"}

    with into.open("wb") as file:

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                file.write(message.get("body", b""))
                highest[0] = max(highest[0], process.memory_info().rss)

        process = psutil.Process()
        gc.collect()
        highest = [before := process.memory_info().rss]
        await app(scope, receive, send)
    assert status == [200]
    return highest[0] - before


def sheet_rows(path: Path) -> int:
    """The <row> elements of the workbook's first sheet, read a chunk at a time."""
    count, tail = 0, b""
    with zipfile.ZipFile(path) as workbook, workbook.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            text = tail + chunk
            count += text.count(b"<row ")
            tail = text[-4:]  # a "<row " cut by the chunk's end is counted with the next
    return count


@pytest.mark.once
async def test_an_xlsx_ledger_of_100_000_records_streams_in_flat_memory(
    system: Any, keys: Any, clean_database: Database, tmp_path: Path
) -> None:
    await copy_records(clean_database, HUANGJIN, 10_000)
    await copy_records(clean_database, LONGQUAN, 90_000)
    signer = InternalTokenSigner(keys.internal_private)
    county = Principal(
        id="exporter", name="exporter", kind=PrincipalKind.user, role=Role.county_admin, scope=COUNTY
    )
    jobs = system.state.local_apps["jobs"]
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    token = signer.sign(county, ["jobs", "registry"])  # as the gateway signs it: the registry names areas
    growth_small = await stream_export(jobs, token, f"area={HUANGJIN}", small)
    growth_large = await stream_export(jobs, token, f"area={COUNTY}", large)
    # Ten times the rows, no more memory: nothing is held per row (a held row costs over 1 KB, so
    # 90,000 more would show as 100 MB or more).
    assert growth_large < growth_small + 16 * 2**20, (growth_small, growth_large)

    workbook = openpyxl.load_workbook(large, read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    assert list(next(rows)) == HEADERS
    workbook.close()
    # The rows are counted in the sheet's XML as it streams: openpyxl would build 1.5 million cells.
    assert sheet_rows(large) == 100_001
