"""A large ledger (台账) streamed through the gateway: rows/s, and the memory the parts need for it.

The household ledger of the county the import benchmark loaded (one row per person), as CSV and as
XLSX, read to the end while the registry's and the gateway's resident memory is sampled. Baseline:
the same rows read by a bare server-side cursor (asyncpg), with nothing written. The files are then
opened and their rows counted against the database.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from pathlib import Path

import asyncpg
import httpx
import openpyxl
import psutil

from bench.environment import BenchEnvironment
from bench.report import Row
from tests.support.database import libpq_url

COUNTY = "610924000000"
MIB = 1024 * 1024


async def _cursor_rows_per_s(env: BenchEnvironment) -> tuple[float, int]:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        started, count = time.perf_counter(), 0
        async with conn.transaction():
            async for _ in conn.cursor(
                "SELECT p.*, h.* FROM registry.people p JOIN registry.households h ON h.id = p.household_id "
                "WHERE p.deleted_at IS NULL AND h.area_code LIKE '610924%' ORDER BY h.area_code, h.number",
                prefetch=1000,
            ):
                count += 1
        return count / (time.perf_counter() - started), count
    finally:
        await conn.close()


async def _download(env: BenchEnvironment, fmt: str, path: Path) -> tuple[float, float]:
    """(seconds, peak growth in MiB of the registry's plus the gateway's resident memory)."""
    watched = [psutil.Process(env.parts[name].process.pid) for name in ("registry", "gateway")]
    base = sum(p.memory_info().rss for p in watched)
    peak = base
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(p.memory_info().rss for p in watched))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    params = {"within": COUNTY, "format": fmt}
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=600) as client:
        async with client.stream("GET", "/api/v1/households/export", params=params) as response:
            assert response.status_code == 200, await response.aread()
            with path.open("wb") as handle:
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
    elapsed = time.perf_counter() - started
    done.set()
    await sampler
    return elapsed, (peak - base) / MIB


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _xlsx_rows(path: Path) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return sum(sum(1 for _ in sheet.iter_rows()) - 1 for sheet in workbook.worksheets)


async def ledger_export(env: BenchEnvironment, workdir: Path) -> list[Row]:
    baseline, people = await _cursor_rows_per_s(env)
    rows: list[Row] = []
    for fmt, count in (("csv", _csv_rows), ("xlsx", _xlsx_rows)):
        path = workdir / f"ledger.{fmt}"
        elapsed, growth = await _download(env, fmt, path)
        opened = await asyncio.to_thread(count, path)
        assert opened == people, f"the {fmt} ledger has {opened:,} rows, the database {people:,}"
        rows.append(
            Row(
                f"household ledger {fmt.upper()} ({people:,} rows, opened: all there) vs bare cursor",
                people / elapsed,
                baseline,
                "rows/s",
            )
        )
        rows.append(
            Row(
                f"memory growth while streaming the {fmt.upper()} ledger (registry + gateway)",
                growth,
                None,
                "MiB",
                goal="flat (< 100 MiB)",
                met=lambda value, _: value < 100,
            )
        )
    return rows
