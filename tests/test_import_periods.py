"""A re-import ends what the file no longer says: a 否 where a period is open ends it the day before the
file's date, counted; the same file again changes nothing; "as of" statistics follow the dates."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import asyncpg
import httpx

from services.registry.imports.columns import header_row
from services.registry.imports.service import COUNTS, ImportReport, run_import
from services.registry.national_id import IdVault
from tests.support.database import libpq_url
from tests.support.import_files import synthetic_rows, write_csv
from tests.support.registry import HUANGJIN, make_areas
from tests.support.system import Database, Keys

DIBAO, DIBAO_STARTS = header_row().index("低保"), header_row().index("低保开始日期")
CATEGORY = header_row().index("户类别")
REGISTERED = "2023-01-01"  # synthetic_rows' 登记日期


@asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def importing(
    database: Database, keys: Keys, path: Path, *, as_of: date | None = None, job_id: uuid.UUID | None = None
) -> ImportReport:
    url = libpq_url(database.app_url)
    async with connection(url) as conn:
        return await run_import(
            conn,
            path,
            vault=IdVault.from_setting(keys.national_id_key),
            scope_prefix="610924",
            actor="system:test",
            batch_rows=7,  # several batches, two at a time
            more_connections=lambda: connection(url),
            as_of=as_of,
            job_id=job_id,
        )


def counts(report: ImportReport) -> dict[str, int]:
    return {key: getattr(report, key) for key in COUNTS}


async def dibao_periods(database: Database, job_id: uuid.UUID) -> dict[int, list[tuple[date, date | None]]]:
    """Each file row's 低保 periods (by the row→person map that import ``job_id`` kept)."""
    async with connection(libpq_url(database.owner_url)) as conn:
        found = await conn.fetch(
            "SELECT r.row, m.starts_on, m.ends_on FROM registry.import_rows r "
            "JOIN registry.programme_memberships m ON m.person_id = r.person_id AND m.programme = 'dibao' "
            "WHERE r.job_id = $1 ORDER BY r.row, m.starts_on",
            job_id,
        )
    periods: dict[int, list[tuple[date, date | None]]] = {}
    for record in found:
        periods.setdefault(record["row"], []).append((record["starts_on"], record["ends_on"]))
    return periods


async def person_of(database: Database, job_id: uuid.UUID, row: int) -> dict:
    async with connection(libpq_url(database.owner_url)) as conn:
        found = await conn.fetchrow(
            "SELECT household_id::text, person_id::text FROM registry.import_rows "
            "WHERE job_id = $1 AND row = $2",
            job_id,
            row,
        )
    return dict(found)


async def dibao_people(admin: httpx.AsyncClient, as_of: str) -> int:
    response = await admin.get("/api/v1/registry-stats/households", params={"area": HUANGJIN, "as_of": as_of})
    assert response.status_code == 200, response.text
    return next((p["people"] for p in response.json()["programmes"] if p["programme"] == "dibao"), 0)


async def state(database: Database) -> tuple:
    async with connection(libpq_url(database.owner_url)) as conn:
        periods = await conn.fetch("SELECT * FROM registry.programme_memberships ORDER BY id")
        changes = await conn.fetchval("SELECT count(*) FROM registry.record_changes")
        people = await conn.fetch("SELECT id, version FROM registry.people ORDER BY id")
    return [dict(r) for r in periods], changes, [dict(r) for r in people]


async def test_a_re_import_that_switches_dibao_off_ends_the_period_and_counts_it(
    admin: httpx.AsyncClient, database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN], 20)
    for index in (0, 1, 2):
        rows[index][DIBAO] = "是"
    rows[2][DIBAO_STARTS] = "2024-03-01"
    rows[0][CATEGORY] = "escaped"  # and so the whole household
    for row in rows[1:]:
        if row[0] == rows[0][0]:
            row[CATEGORY] = "escaped"
    categories = {row[0] for row in rows if row[CATEGORY] in ("escaped", "monitored")}
    job = uuid.uuid4()
    first = await importing(database, keys, write_csv(tmp_path / "first.csv", rows), job_id=job)
    assert first.rows_bad == 0 and first.people_created == len(rows)
    assert (first.periods_started, first.periods_ended) == (3 + len(categories), 0)
    registered = date.fromisoformat(REGISTERED)
    assert await dibao_periods(database, job) == {
        2: [(registered, None)],
        3: [(registered, None)],
        4: [(date(2024, 3, 1), None)],
    }

    # The ledger of 2025-06-30: row 2's person no longer has 低保.
    rows[0][DIBAO] = "否"
    later = write_csv(tmp_path / "later.csv", rows)
    second = await importing(database, keys, later, as_of=date(2025, 6, 30))
    assert counts(second) == dict.fromkeys(COUNTS, 0) | {"periods_ended": 1}
    ended = await dibao_periods(database, job)
    assert ended[2] == [(registered, date(2025, 6, 29))] and ended[4] == [(date(2024, 3, 1), None)]

    before = await state(database)
    again = await importing(database, keys, later, as_of=date(2025, 6, 30))
    assert counts(again) == dict.fromkeys(COUNTS, 0)
    assert await state(database) == before

    # As of each date, the statistics read the periods: the last day in 低保, the file's date, before
    # row 4's person started.
    assert await dibao_people(admin, "2025-06-29") == 3
    assert await dibao_people(admin, "2025-06-30") == 2
    assert await dibao_people(admin, "2024-02-29") == 2
    assert await dibao_people(admin, "2022-12-31") == 0

    # A file without the 低保 column, or without 户类别, says nothing of them: nothing ends.
    for column in (DIBAO, CATEGORY):
        header = header_row()
        without = [[cell for i, cell in enumerate(row) if i != column] for row in rows]
        silent = write_csv(tmp_path / "silent.csv", without, header=header[:column] + header[column + 1 :])
        quiet = await importing(database, keys, silent)
        assert counts(quiet) == dict.fromkeys(COUNTS, 0)
        assert await state(database) == before

    # 低保 again from 2026-01-01 (the file's date: a start of 登记日期 would overlap the period before);
    # row 3's person leaves it on the same file, whose 低保开始日期 for a 否 is not read.
    rows[0][DIBAO] = "是"
    rows[1][DIBAO] = "否"
    rows[1][DIBAO_STARTS] = "2020-01-01"
    third = await importing(database, keys, write_csv(tmp_path / "third.csv", rows), as_of=date(2026, 1, 1))
    assert (third.periods_started, third.periods_ended, third.people_changed) == (1, 1, 0)
    periods = await dibao_periods(database, job)
    assert periods[2] == [(registered, date(2025, 6, 29)), (date(2026, 1, 1), None)]
    assert periods[3] == [(registered, date(2025, 12, 31))]
    assert await dibao_people(admin, "2026-01-01") == 2


async def test_a_given_start_is_kept_but_never_overlaps_an_earlier_period(
    admin: httpx.AsyncClient, database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN], 3)
    rows[0][DIBAO], rows[0][DIBAO_STARTS] = "是", "2023-05-01"
    rows[1][DIBAO_STARTS] = "2099-01-01"  # not read: 低保 is 否 on this row
    job = uuid.uuid4()
    first = await importing(database, keys, write_csv(tmp_path / "a.csv", rows), job_id=job)
    assert first.rows_bad == 0
    rows[0][DIBAO] = "否"
    await importing(database, keys, write_csv(tmp_path / "b.csv", rows), as_of=date(2024, 1, 1))
    # Back in 低保 "since 2023-06-01" by the next ledger: that overlaps the period that ended 2023-12-31.
    rows[0][DIBAO], rows[0][DIBAO_STARTS] = "是", "2023-06-01"
    third = await importing(database, keys, write_csv(tmp_path / "c.csv", rows), as_of=date(2024, 6, 1))
    assert third.periods_started == 1
    assert (await dibao_periods(database, job))[2] == [
        (date(2023, 5, 1), date(2023, 12, 31)),
        (date(2024, 1, 1), None),
    ]
    # A later ledger gives another start for the open period: it moves, and the same file again is still.
    rows[0][DIBAO_STARTS] = "2024-02-01"
    moved_file = write_csv(tmp_path / "moved.csv", rows)
    moved = await importing(database, keys, moved_file, as_of=date(2024, 6, 1))
    assert counts(moved) == dict.fromkeys(COUNTS, 0) | {"periods_moved": 1}
    assert (await dibao_periods(database, job))[2][1] == (date(2024, 2, 1), None)
    assert await dibao_people(admin, "2024-01-15") == 0  # the statistics follow the moved start
    assert counts(await importing(database, keys, moved_file, as_of=date(2024, 6, 1))) == dict.fromkeys(
        COUNTS, 0
    )
    # Never back into the period before: a start of 2023-02-01 is the day after that one ended.
    rows[0][DIBAO_STARTS] = "2023-02-01"
    back = await importing(database, keys, write_csv(tmp_path / "back.csv", rows), as_of=date(2024, 6, 1))
    assert back.periods_moved == 1
    assert (await dibao_periods(database, job))[2][1] == (date(2024, 1, 1), None)
    assert await dibao_people(admin, "2024-01-15") == 1
    # An older ledger's 否 leaves a period that started after its date (here, one entered over the API).
    person = await person_of(database, job, 3)
    newer = {"household_id": person["household_id"], "person_id": person["person_id"], "programme": "dibao"}
    entered = await admin.post("/api/v1/programmes", json=newer | {"starts_on": "2025-03-01"})
    assert entered.status_code == 201, entered.text
    older = await importing(database, keys, write_csv(tmp_path / "older.csv", rows), as_of=date(2025, 1, 1))
    assert older.periods_ended == 0
    assert (await dibao_periods(database, job))[3] == [(date(2025, 3, 1), None)]
    # A start after today is refused on its row.
    rows[1][DIBAO], rows[1][DIBAO_STARTS] = "是", "2099-01-01"
    refused = await importing(database, keys, write_csv(tmp_path / "d.csv", rows))
    assert [(e["row"], e["column"], e["code"]) for e in refused.errors] == [
        (3, "低保开始日期", "date_in_future")
    ]
