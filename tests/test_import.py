"""Bulk import of households and people: dry runs write nothing, real runs are idempotent, bad rows
are reported exactly (row, column, reason) and never stop the good ones."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.database import async_url
from services.common.rollups.store import figures_of, verify
from services.registry.codes import HouseholdCategory
from services.registry.imports.columns import header_row
from services.registry.imports.lanes import Lanes
from services.registry.imports.service import FileChecks, ImportFileError, run_import
from services.registry.imports.validate import Header, RowChecker
from services.registry.national_id import IdVault
from tests.support.database import libpq_url
from tests.support.import_files import synthetic_rows, write_csv, write_xlsx
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, make_areas, national_id
from tests.support.system import Database, Keys

COUNTY_SCOPE = "610924"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ("households", "people", "programme_memberships")


async def snapshot(conn: asyncpg.Connection) -> dict[str, list]:
    """Every row of the registry's tables, minus the encrypted numbers (their nonces differ by design)."""
    state = {}
    for table in TABLES:
        rows = await conn.fetch(f"SELECT * FROM registry.{table} ORDER BY id")  # noqa: S608 - our constants
        state[table] = [{k: v for k, v in r.items() if k != "national_id_cipher"} for r in rows]
    state["record_changes"] = [await conn.fetchval("SELECT count(*) FROM registry.record_changes")]
    return state


@asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def importing(
    database: Database,
    keys: Keys,
    path: Path,
    *,
    dry_run: bool = False,
    scope: str = COUNTY_SCOPE,
    batch_rows: int = 1_000,
):
    """As the CLI and the jobs run it: two batches written at once, on two connections."""
    url = libpq_url(database.app_url)
    async with connection(url) as conn:
        return await run_import(
            conn,
            path,
            vault=IdVault.from_setting(keys.national_id_key),
            scope_prefix=scope,
            actor="system:test",
            dry_run=dry_run,
            batch_rows=batch_rows,
            more_connections=lambda: connection(url),
        )


async def test_importing_the_same_file_twice_leaves_the_same_rows(
    admin: httpx.AsyncClient, database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, LONGQUAN, SHUANGFENG], 600)
    # Shuffled, in batches of 50: most households are spread over several batches (which must wait for
    # each other), and some members come before their head.
    random.Random(7).shuffle(rows)
    path = write_csv(tmp_path / "county.csv", rows)
    first = await importing(database, keys, path, batch_rows=50)
    assert first.rows_bad == 0 and first.rows_ok == first.rows_done >= 600
    assert first.people_created == first.rows_ok and first.households_created > 100
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        before = await snapshot(conn)
        again = await importing(database, keys, path, batch_rows=50)
        changed = (
            again.households_created,
            again.households_changed,
            again.people_created,
            again.people_changed,
        )
        assert changed == (0, 0, 0, 0)
        assert await snapshot(conn) == before
    finally:
        await conn.close()
    # What was imported is what the API serves, ID numbers included.
    households = (await admin.get("/api/v1/households", params={"limit": 20})).json()["items"]
    for household in households:
        detail = (await admin.get(f"/api/v1/households/{household['id']}", params={"reveal": "true"})).json()
        head = next(m for m in detail["members"] if m["relation"] == "head")
        assert detail["head_person_id"] == head["id"] and len(head["national_id"]) == 18
        numbers = {row[14] for row in rows if row[0] == detail["number"]}
        assert {m["national_id"] for m in detail["members"]} == numbers
    # The import refreshes each household's rollups once per batch (deferred): they equal a recount.
    engine = create_async_engine(async_url(database.owner_url))
    try:
        async with engine.connect() as session:
            assert await verify(session, "registry") == []
            figures = await figures_of(session, "registry", HUANGJIN, date.today())
            assert figures[("people", "")] == sum(1 for row in rows if row[1] == HUANGJIN)
    finally:
        await engine.dispose()


@pytest.mark.once
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_three_bad_rows_among_ten_thousand_are_reported_exactly(
    fmt: str, admin: httpx.AsyncClient, database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, LONGQUAN, SHUANGFENG], 10_000)[:10_000]
    bad = {
        1234: (
            14,
            rows[1234][14][:17] + ("0" if rows[1234][14][17] != "0" else "1"),
            "身份证号",
            "id_check_digit",
        ),
        5000: (16, "很好", "健康状况", "unknown_code"),
        9876: (7, "大概", "饮水", "unknown_code"),
    }
    for index, (column, value, _, _) in bad.items():
        rows[index][column] = value
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"county.{fmt}", rows)
    expected = sorted((index + 2, header, code) for index, (_, _, header, code) in bad.items())

    dry = await importing(database, keys, path, dry_run=True)
    assert sorted((e["row"], e["column"], e["code"]) for e in dry.errors) == expected
    assert (dry.rows_bad, dry.rows_ok) == (3, 9_997)
    assert (await admin.get("/api/v1/people/count")).json()["count"] == 0

    real = await importing(database, keys, path)
    assert sorted((e["row"], e["column"], e["code"]) for e in real.errors) == expected
    assert (await admin.get("/api/v1/people/count")).json()["count"] == 9_997


async def test_rows_outside_the_scope_and_broken_files_are_refused(
    admin: httpx.AsyncClient, database: Database, keys: Keys, tmp_path: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, SHUANGFENG], 40)
    path = write_csv(tmp_path / "mixed.csv", rows)
    report = await importing(database, keys, path, scope="610924105")  # 蒿坪镇 only
    outside = {e["row"] for e in report.errors if e["code"] == "unknown_village"}
    assert outside == {i + 2 for i, row in enumerate(rows) if row[1] == SHUANGFENG}
    assert report.rows_ok == sum(row[1] == HUANGJIN for row in rows)

    with pytest.raises(ImportFileError, match="身份证号"):
        await importing(
            database,
            keys,
            write_csv(tmp_path / "no-id.csv", [["1"]], header=["户编号", "村代码", "姓名", "与户主关系"]),
        )
    with pytest.raises(ImportFileError, match="XLSX"):
        broken = tmp_path / "broken.xlsx"
        broken.write_bytes(b"not a workbook")
        await importing(database, keys, broken)


async def wait_for(admin: httpx.AsyncClient, job: dict) -> dict:
    for _ in range(600):
        job = (await admin.get(f"/api/v1/imports/{job['id']}")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import job still {job['status']}")


async def test_an_import_over_the_api_is_a_job_with_progress_and_the_refused_rows(
    admin: httpx.AsyncClient,
    user_headers,
    system,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, LONGQUAN], 300)
    rows[10][14] = "61092419800101001"  # 17 characters
    path = write_xlsx(tmp_path / "村户籍.xlsx", rows)
    with path.open("rb") as handle:
        files = {
            "file": (
                "村户籍.xlsx",
                handle.read(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
    dry = await admin.post("/api/v1/imports", files=files, data={"dry_run": "true"})
    assert dry.status_code == 202, dry.text
    done = await wait_for(admin, dry.json())
    assert (done["status"], done["rows_bad"], done["errors"][0]["row"]) == ("succeeded", 1, 12)
    assert done["counts"]["people_created"] == 0 and done["progress"] == 1.0
    real = await wait_for(admin, (await admin.post("/api/v1/imports", files=files)).json())
    assert real["counts"]["people_created"] == len(rows) - 1
    assert (await admin.get("/api/v1/people/count")).json()["count"] == len(rows) - 1

    cadre = await user_headers("cadre_imp", "village_cadre", HUANGJIN)
    refused = await admin.post("/api/v1/imports", files=files, headers=cadre)
    assert refused.status_code == 403
    wrong = await admin.post("/api/v1/imports", files={"file": ("names.txt", b"x", "text/plain")})
    assert wrong.status_code == 422 and wrong.json()["code"] == "unsupported_file"


def test_a_household_whose_rows_disagree_is_refused_on_the_row_that_differs() -> None:
    """The household's cells, converted once while they repeat, are still compared on every row: a row
    that changes them is refused; a row that writes the same fields differently (a label for a code)
    is not; a bad cell on a member's row is reported on that row."""
    head = synthetic_rows([HUANGJIN], 1)[0]

    def member(**cells: str) -> list[str]:
        row = [*head[:13], "王五", national_id(), "child", *head[16:]]
        for index, value in cells.items():
            row[int(index[1:])] = value
        return row

    label = HouseholdCategory(head[10]).label
    rows = [head, member(c3="另一个地址"), member(c10=label), member(c2="x"), member()]
    header = Header(header_row())
    checks, check_row = FileChecks(header, {HUANGJIN}), RowChecker(header)
    outcome = {}
    for number, cells in enumerate(rows, start=2):
        checked = check_row(cells, number)
        if not isinstance(checked, list):
            checked = checks.check(checked, number.to_bytes(16, "big")) or checked
        outcome[number] = [e.code for e in checked] if isinstance(checked, list) else "ok"
    assert outcome == {2: "ok", 3: ["household_fields_differ"], 4: "ok", 5: ["invalid_value"], 6: "ok"}


async def test_lanes_never_write_two_batches_of_one_household_at_once() -> None:
    """Batches run two at a time, except that one sharing a household with a running batch waits for it;
    a deadlock victim is run again; a failure stops the rest and is raised."""
    running: dict[str, frozenset[str]] = {}
    log: list[tuple[str, str]] = []
    attempts: dict[str, int] = {}

    def work(name: str, households: frozenset[str], *, deadlocks: int = 0, fails: bool = False, wait=0.02):
        async def run(connection: object) -> None:
            attempts[name] = attempts.get(name, 0) + 1
            assert not any(households & other for other in running.values())
            running[name] = households
            log.append(("start", name))
            try:
                await asyncio.sleep(0.05 if name == "a" else wait)
            finally:
                del running[name]
            log.append(("end", name))
            if attempts[name] <= deadlocks:
                raise asyncpg.DeadlockDetectedError("deadlock detected")
            if fails:
                raise ValueError(name)

        return run

    batches = [("a", {"h1", "h2"}, 0), ("b", {"h3"}, 1), ("c", {"h2", "h4"}, 0), ("d", {"h5"}, 0)]
    async with Lanes([object(), object()]) as lanes:
        for name, households, deadlocks in batches:
            await lanes.submit(frozenset(households), work(name, frozenset(households), deadlocks=deadlocks))
        await lanes.drain()
    assert log.index(("start", "b")) < log.index(("end", "a"))  # two at once
    assert log.index(("end", "a")) < log.index(("start", "c"))  # h2: c waited for a
    assert attempts == {"a": 1, "b": 2, "c": 1, "d": 1}

    log.clear()
    with pytest.raises(ValueError, match="x"):
        async with Lanes([object(), object()]) as lanes:
            await lanes.submit(frozenset({"x"}), work("x", frozenset({"x"}), fails=True))
            await lanes.submit(frozenset({"y"}), work("y", frozenset({"y"}), wait=10))
            await lanes.submit(frozenset({"z"}), work("z", frozenset({"z"})))
            await lanes.drain()
    assert log == [("start", "x"), ("start", "y"), ("end", "x")]  # y stopped, z never started
    assert not running
