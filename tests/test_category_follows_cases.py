"""监测户 follows the county's cases only: every hand path that would set or lift it (household create,
a batch item, PATCH, a ledger row's 户类别, a `monitored` programme period posted or ended) is refused
with `category_follows_cases` and changes nothing; a household enrolled through its case reads as 监测户
and can still be edited otherwise, and a re-import of its ledger leaves its 监测户 alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from services.registry.imports.columns import header_row
from services.registry.imports.service import COUNTS
from tests.support.cases import enrol_past
from tests.support.database import libpq_url
from tests.support.import_files import synthetic_rows, write_csv
from tests.support.registry import HUANGJIN, fresh_number, make_areas, make_household, member
from tests.support.system import Database, Keys
from tests.test_import_periods import counts, importing

CODE = "category_follows_cases"
CATEGORY = header_row().index("户类别")


def refused(response: httpx.Response, loc: list) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == CODE
    assert "case-imports" in problem["detail"] and "enrols its case" in problem["detail"]
    assert [(e["loc"], e["code"]) for e in problem["errors"]] == [(loc, CODE)]


async def snapshot(database: Database) -> tuple:
    """Everything the registry holds that a refused write could have touched."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        households = await conn.fetch(
            "SELECT id, number, category, version FROM registry.households ORDER BY id"
        )
        periods = await conn.fetch("SELECT * FROM registry.programme_memberships ORDER BY id")
        changes = await conn.fetchval("SELECT count(*) FROM registry.record_changes")
        people = await conn.fetchval("SELECT count(*) FROM registry.people")
    finally:
        await conn.close()
    return [dict(r) for r in households], [dict(r) for r in periods], changes, people


async def monitored_households(admin: httpx.AsyncClient, day: str | None = None) -> int:
    params = {"area": HUANGJIN} | ({"as_of": day} if day else {})
    stats = (await admin.get("/api/v1/registry-stats/households", params=params)).json()
    return next((p["households"] for p in stats["programmes"] if p["programme"] == "monitored"), 0)


def with_category(rows: list[list[str]], number: str, category: str) -> list[list[str]]:
    return [[*row[:CATEGORY], category, *row[CATEGORY + 1 :]] if row[0] == number else row for row in rows]


async def test_monitored_set_by_hand_is_refused_on_every_path_and_changes_nothing(
    admin: httpx.AsyncClient, clean_database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    household = await make_household(admin, members=2, registered_on="2023-01-01")
    rows = synthetic_rows([HUANGJIN], 6)
    first, second = rows[0][0], next(row[0] for row in rows if row[0] != rows[0][0])
    assert (await importing(clean_database, keys, write_csv(tmp_path / "ledger.csv", rows))).rows_bad == 0
    # A batch: the 监测户 item is refused alone, the other registered.
    body = {"number": fresh_number(), "area_code": HUANGJIN, "category": "monitored", "members": [member()]}
    ordinary = {"number": fresh_number(), "area_code": HUANGJIN, "members": [member()]}
    answer = await admin.post("/api/v1/households/batch", json={"items": [ordinary, body]})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["status"] for i in items] == ["created", "invalid"]
    assert items[1]["error"]["code"] == CODE
    assert [e["loc"] for e in items[1]["error"]["errors"]] == [["body", "items", 1, "category"]]
    before = await snapshot(clean_database)

    # Create: refused, nothing registered.
    refused(await admin.post("/api/v1/households", json=body), ["body", "category"])
    assert (await admin.get("/api/v1/households", params={"number": body["number"]})).json()["items"] == []
    # PATCH: refused as a whole (the other field is not changed either).
    path = f"/api/v1/households/{household['id']}"
    change = {"base_version": household["version"], "category": "monitored", "housing_grade": "D"}
    refused(await admin.patch(path, json=change), ["body", "category"])
    # A 监测户 period posted by hand.
    period = {"household_id": household["id"], "programme": "monitored", "starts_on": "2024-01-01"}
    refused(await admin.post("/api/v1/programmes", json=period), ["body", "programme"])
    # A ledger row: 监测户 of a registered household and of a new one, refused row by row (the Chinese
    # label and the English code alike), the other rows imported.
    new = f"{HUANGJIN}9999"
    extra = [
        [new, *row[1:CATEGORY], "监测户", *row[CATEGORY + 1 :]] for row in synthetic_rows([HUANGJIN], 1, 99)
    ]
    rows_again = with_category(with_category(rows, first, "监测户"), second, "monitored") + extra
    report = await importing(clean_database, keys, write_csv(tmp_path / "monitored.csv", rows_again))
    refused_rows = [i + 2 for i, row in enumerate(rows_again) if row[0] in (first, second, new)]
    assert sorted(e["row"] for e in report.errors) == refused_rows
    assert {(e["column"], e["code"]) for e in report.errors} == {("户类别", CODE)}
    assert "enrols its case" in report.errors[0]["reason"]
    assert (report.rows_bad, report.rows_ok) == (len(refused_rows), len(rows_again) - len(refused_rows))
    assert counts(report) == dict.fromkeys(COUNTS, 0)  # the other rows were as registered

    assert await snapshot(clean_database) == before
    assert not any(p["programme"] == "monitored" for p in before[1])
    assert await monitored_households(admin) == 0


async def test_a_household_enrolled_through_its_case_is_monitored_and_can_be_edited_otherwise(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN], 6)
    ledger = write_csv(tmp_path / "ledger.csv", rows)
    assert (await importing(clean_database, keys, ledger)).rows_bad == 0
    number = rows[0][0]
    [household] = (await admin.get("/api/v1/households", params={"number": number})).json()["items"]
    assert household["category"] == "ordinary"
    await enrol_past(admin, system, [household], "2024-03-01")

    path = f"/api/v1/households/{household['id']}"
    enrolled = (await admin.get(path)).json()
    assert (enrolled["category"], enrolled["version"]) == ("monitored", household["version"] + 1)
    assert await monitored_households(admin) == 1
    assert await monitored_households(admin, "2024-02-29") == 0

    # The ledger again (it says 一般农户, what the household is underneath): nothing changes, and the
    # same with 监测户 (it is one); 脱贫户 gives it its 脱贫户 period, a 监测户 still.
    before = await snapshot(clean_database)
    assert counts(await importing(clean_database, keys, ledger)) == dict.fromkeys(COUNTS, 0)
    said = write_csv(tmp_path / "said.csv", with_category(rows, number, "监测户"))
    report = await importing(clean_database, keys, said)
    assert (report.rows_bad, counts(report)) == (0, dict.fromkeys(COUNTS, 0))
    assert await snapshot(clean_database) == before
    escaped = write_csv(tmp_path / "escaped.csv", with_category(rows, number, "脱贫户"))
    report = await importing(clean_database, keys, escaped, as_of=date(2025, 1, 1))
    assert counts(report) == dict.fromkeys(COUNTS, 0) | {"periods_started": 1}
    periods = (await admin.get("/api/v1/programmes", params={"household_id": household["id"]})).json()
    assert sorted((p["programme"], p["starts_on"], p["ends_on"]) for p in periods["items"]) == [
        ("escaped", "2023-01-01", None),
        ("monitored", "2024-03-01", None),
    ]
    assert await monitored_households(admin) == 1

    # Another field, with the category it already has: changed.
    enrolled = (await admin.get(path)).json()
    assert (enrolled["category"], enrolled["version"]) == ("monitored", household["version"] + 1)
    same = {"base_version": enrolled["version"], "category": "monitored", "housing_grade": "C"}
    edited = await admin.patch(path, json=same)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["category"], edited.json()["housing_grade"]) == ("monitored", "C")
    # Lifted by hand: refused; the case's elimination ends it.
    version = edited.json()["version"]
    lifted = {"base_version": version, "category": "escaped"}
    refused(await admin.patch(path, json=lifted), ["body", "category"])
    monitored = next(p for p in periods["items"] if p["programme"] == "monitored")
    ended = await admin.post(
        f"/api/v1/programmes/{monitored['id']}/end", json={"ends_on": str(china_today())}
    )
    refused(ended, ["path", "membership_id"])
    after = (await admin.get(path)).json()
    assert (after["category"], after["version"]) == ("monitored", version)
    assert await monitored_households(admin) == 1
