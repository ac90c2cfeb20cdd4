"""An import job in a child process of its own (the registry's default; the rest of the suite runs jobs
inline): it saves its progress and its outcome, holds the job's lock, is told to stop at shutdown, and
a child that is killed leaves the job failed, saying so, with nothing of its batch written.

While a test holds a lock on the table a batch writes last (``registry.import_rows``), the child's
first batch waits: the job is caught running, with its file counted and no row done.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.common.database import create_engine, raw_connection
from services.registry.imports import process as child_processes
from services.registry.imports.process import CHILD
from tests.support.database import libpq_url
from tests.support.import_files import synthetic_rows, write_csv
from tests.support.registry import HUANGJIN, LONGQUAN, make_areas
from tests.support.system import Database, registry_settings

# Advisory locks of this database, and who holds them.
ADVISORY = """
SELECT a.application_name, (l.classid::bigint << 32) | l.objid::bigint AS key
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


@pytest.fixture
def in_children(system: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Jobs run in child processes; the uploads are kept in this test's own folder (returned)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with registry_settings(system, import_mode="process"):
        yield tmp_path


@asynccontextmanager
async def owner(database: Database) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def batches_held(database: Database) -> AsyncIterator[None]:
    """Until the end of the block no batch can be written (each lists its rows in import_rows last)."""
    async with owner(database) as conn, conn.transaction():
        await conn.execute("LOCK TABLE registry.import_rows IN SHARE MODE")
        yield


async def start(admin: httpx.AsyncClient, rows: list[list[str]], folder: Path) -> dict[str, Any]:
    path = write_csv(folder / "file.csv", rows)
    started = await admin.post("/api/v1/imports", files={"file": ("户籍.csv", path.read_bytes(), "text/csv")})
    assert started.status_code == 202, started.text
    return started.json()


async def until(
    admin: httpx.AsyncClient, job: dict[str, Any], holds: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(600):
        job = (await admin.get(f"/api/v1/imports/{job['id']}")).json()
        if holds(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import job still {job['status']}: {job}")


def ended(job: dict[str, Any]) -> bool:
    return job["status"] in ("succeeded", "failed")


def counted(job: dict[str, Any]) -> bool:
    return job["status"] == "running" and job["rows_total"] > 0


def children() -> list[psutil.Process]:
    """This process's import children (the registry runs in it), ended but not yet reaped ones too: a
    zombie's command line cannot be read, and no other child of this process ends meanwhile."""
    found = []
    for process in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if process.status() == psutil.STATUS_ZOMBIE or CHILD in process.cmdline():
                found.append(process)
    return found


def the_child() -> psutil.Process:
    found = children()
    assert len(found) == 1, found
    return found[0]


async def children_ended() -> None:
    """Every import child gone and reaped by the registry (none left a zombie)."""
    for _ in range(200):
        if not any(process.is_running() for process in children()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"import children still there: {children()}")


def uploads(folder: Path) -> list[Path]:
    return sorted(folder.glob("fangpin-import-*"))


async def advisory_locks(database: Database, job_id: str) -> list[str]:
    async with owner(database) as conn:
        rows = await conn.fetch(
            f"SELECT application_name FROM ({ADVISORY}) l WHERE key = hashtextextended($1, 0)",  # noqa: S608
            job_id,
        )
    return [r["application_name"] for r in rows]


async def test_a_job_runs_in_a_child_that_holds_its_lock_and_saves_progress_and_outcome(
    admin: httpx.AsyncClient, database: Database, in_children: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN, LONGQUAN], 40)
    async with batches_held(database):
        job = await start(admin, rows, in_children)
        running = await until(admin, job, counted)
        assert (running["rows_total"], running["rows_done"], running["progress"]) == (len(rows), 0, 0.0)
        child = the_child()
        # The order (the database URL, the national ID key) came on stdin: the command line is bare.
        assert child.cmdline() == [sys.executable, "-m", CHILD]
        assert await advisory_locks(database, job["id"]) == ["fangpin-registry-import"]
        assert len(uploads(in_children)) == 1
    done = await until(admin, job, ended)
    assert (done["status"], done["rows_done"], done["rows_ok"], done["progress"]) == (
        "succeeded",
        len(rows),
        len(rows),
        1.0,
    )
    assert done["counts"]["people_created"] == len(rows)
    assert (await admin.get("/api/v1/people/count")).json()["count"] == len(rows)
    await children_ended()
    assert not child.is_running()
    assert uploads(in_children) == [] and await advisory_locks(database, job["id"]) == []


async def test_a_file_the_child_cannot_import_fails_the_job_saying_why(
    admin: httpx.AsyncClient, in_children: Path
) -> None:
    await make_areas(admin)
    path = in_children / "names.csv"
    path.write_text("户编号,姓名\nA-1,张三\n", encoding="utf-8")
    started = await admin.post(
        "/api/v1/imports", files={"file": ("names.csv", path.read_bytes(), "text/csv")}
    )
    job = await until(admin, started.json(), ended)
    assert job["status"] == "failed" and job["failure"].startswith("Required columns are missing"), job
    assert job["rows_done"] == 0
    await children_ended()
    assert uploads(in_children) == []  # the child removed the file the registry stored


async def test_a_killed_child_fails_its_job_with_the_reason_and_writes_nothing(
    admin: httpx.AsyncClient, database: Database, in_children: Path
) -> None:
    await make_areas(admin)
    rows = synthetic_rows([HUANGJIN], 20)
    async with batches_held(database):
        job = await start(admin, rows, in_children)
        await until(admin, job, counted)
        the_child().kill()  # as the kernel's OOM killer would
        failed = await until(admin, job, ended)
        assert failed["status"] == "failed", failed
        assert failed["failure"].startswith("The import's process was killed (SIGKILL"), failed
        assert "run the import again" in failed["failure"]
        assert uploads(in_children) == []
    # The batch the child was writing is rolled back once its connection's server process finds it gone.
    for _ in range(200):
        if not await advisory_locks(database, job["id"]):
            break
        await asyncio.sleep(0.05)
    assert await advisory_locks(database, job["id"]) == []
    assert (await admin.get("/api/v1/people/count")).json()["count"] == 0
    assert (await admin.get(f"/api/v1/imports/{job['id']}")).json()["status"] == "failed"


async def test_at_shutdown_the_child_is_told_to_stop_and_the_job_is_marked_interrupted(
    admin: httpx.AsyncClient,
    system: FastAPI,
    database: Database,
    in_children: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # However slow the machine, the child is not to be killed for want of stopping: it must stop itself.
    monkeypatch.setattr(child_processes, "STOP_PATIENCE_S", 120.0)
    await make_areas(admin)
    runner = system.state.local_apps["registry"].state.import_runner
    async with batches_held(database):
        job = await start(admin, synthetic_rows([HUANGJIN], 20), in_children)
        await until(admin, job, counted)
        child = the_child()
        await runner.stop()  # what the registry's shutdown does
        assert not child.is_running()
        stopped = (await admin.get(f"/api/v1/imports/{job['id']}")).json()
    # It stopped when told and marked its job itself (the registry had nothing left to mark, nor to say).
    assert not [r for r in caplog.records if r.name == "fangpin.registry.imports"]
    assert stopped["status"] == "failed" and stopped["failure"].startswith("Interrupted by a shutdown")
    assert await advisory_locks(database, job["id"]) == [] and uploads(in_children) == []
    assert (await admin.get("/api/v1/people/count")).json()["count"] == 0


async def test_a_connection_an_import_left_in_a_transaction_never_goes_back_to_the_pool(
    database: Database,
) -> None:
    """A batch cut short (by a stop, or an error) can leave its transaction open on the driver's
    connection, even its BEGIN unanswered: the next session there would run inside it, its commit only
    a savepoint's release, and hold its row locks until the process ends (the job's interrupted mark
    with them)."""
    engine = create_engine(database.app_url, part="test-pool", pool_size=1, max_overflow=0)
    try:
        async with raw_connection(engine) as conn:
            await conn.transaction().start()
            before = await conn.fetchval("SELECT pg_backend_pid()")
        with pytest.raises(ZeroDivisionError):
            async with raw_connection(engine) as conn:
                assert await conn.fetchval("SELECT pg_backend_pid()") != before
                await conn.transaction().start()
                before = await conn.fetchval("SELECT pg_backend_pid()")
                1 / 0  # noqa: B018 - an error in the middle of the work
        async with engine.connect() as session:
            assert not (await session.get_raw_connection()).driver_connection.is_in_transaction()
            assert await session.scalar(text("SELECT pg_backend_pid()")) != before
    finally:
        await engine.dispose()
