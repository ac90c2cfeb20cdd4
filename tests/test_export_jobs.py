"""Ledgers over the configured size are written in the background: 202, progress, then the same file."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import openpyxl
from fastapi import FastAPI

from services.common.exports.runner import ExportRunner
from tests.conftest import UserFactory
from tests.support.registry import HUANGJIN, make_areas, make_household
from tests.support.system import asgi_client

EXPORT = "/api/v1/households/export"


@contextmanager
def inline_limit(system: FastAPI, part: str, rows: int) -> Iterator[None]:
    settings = system.state.local_apps[part].state.settings
    before = settings.export_inline_max_rows
    settings.export_inline_max_rows = rows
    try:
        yield
    finally:
        settings.export_inline_max_rows = before


async def finished(client: httpx.AsyncClient, location: str) -> dict:
    for _ in range(200):
        response = await client.get(location)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] != "running":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the export job never finished: {job}")


async def test_a_ledger_over_the_limit_becomes_a_job_that_yields_the_same_file(
    admin: httpx.AsyncClient, system: FastAPI, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    for _ in range(3):
        await make_household(admin, HUANGJIN, members=2)
    inline = await admin.get(EXPORT, params={"format": "csv"})
    assert inline.status_code == 200

    with inline_limit(system, "registry", 5):
        started = await admin.get(EXPORT, params={"format": "csv"})
        assert started.status_code == 202, started.text
        location = started.headers["location"]
        assert started.json()["rows_total"] == 6 and location == started.json()["follow"]
        job = await finished(admin, location)
        assert (job["status"], job["rows_done"], job["error"]) == ("done", 6, None)
        assert job["download"] == f"{location}/file"
        file = await admin.get(job["download"])
        assert file.status_code == 200
        assert file.content == inline.content  # the very file a direct download gives
        assert 'filename="households-000000000000.csv"' in file.headers["content-disposition"]
        assert len(list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))) == 7

        workbook_job = await admin.get(EXPORT, params={"format": "xlsx"})
        done = await finished(admin, workbook_job.headers["location"])
        workbook = openpyxl.load_workbook(
            io.BytesIO((await admin.get(done["download"])).content), read_only=True
        )
        assert sum(1 for _ in workbook.active.iter_rows()) == 7

        # Only the account that asked sees the job or its file.
        other = await user_headers("county2", "county_admin", "610924000000")
        async with asgi_client(system, headers=other) as stranger:
            assert (await stranger.get(location)).status_code == 404
            assert (await stranger.get(f"{location}/file")).json()["code"] == "export_not_found"


async def test_jobs_cut_off_by_a_stop_are_failed_at_the_next_start(
    system: FastAPI, admin: httpx.AsyncClient
) -> None:
    registry = system.state.local_apps["registry"]
    runner = ExportRunner(registry.state.database.sessionmaker, "registry")

    async def endless(partitions):  # noqa: ANN001, ANN202 - a writer that never finishes
        await asyncio.sleep(3600)
        yield b""

    async def nothing():  # noqa: ANN202
        yield []

    job_id = await runner.start(
        resource="households",
        file_name="x.csv",
        media_type="text/csv",
        requested_by="someone",
        rows_total=1,
        partitions=nothing(),
        write=endless,
    )
    await asyncio.sleep(0.05)
    await runner.stop()  # as at a shutdown: the job says why it has no file
    async with registry.state.database.sessionmaker() as session:
        from sqlalchemy import text

        row = (
            await session.execute(
                text("SELECT status, error FROM registry.export_jobs WHERE id = :id"), {"id": job_id}
            )
        ).one()
    assert row.status == "failed" and "stopped" in row.error
