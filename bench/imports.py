"""The bulk import of a synthetic county against its floor (``import_floor``: every row it stores,
COPYed into tables shaped like the registry's) and against a raw asyncpg COPY of the file's rows.

The import runs as `fangpin import` in its own process, so its peak memory is measured alone.
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import httpx

from bench.environment import BenchEnvironment
from bench.import_floor import FLOOR_CONNECTIONS, capture_stored_rows, copy_floor
from bench.report import Row, progress
from fangpin.synthetic import Generator, import_rows
from services.registry.imports.columns import header_row
from tests.support.database import libpq_url
from tests.support.system import Database, Keys, process_env

COUNTY_CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]
TOWNS, VILLAGES_PER_TOWN = 20, 15
# Past a million people the county grows by towns, not by fatter villages: 50,000 people a town keeps
# each village at about 3,300 people, as in the county of a million (3,000,000 people: 60 towns, 900
# villages).
PEOPLE_PER_TOWN = 50_000
FIRST_TOWN = 120
OTHER_BENCH_TOWNS = {105, 199}  # the towns the other benchmarks use
MIB = 1024**2


def villages(people: int = 0) -> list[tuple[str, str]]:
    """The county's villages for ``people``: 20 towns of 15 villages, more towns past a million."""
    count = max(TOWNS, -(-people // PEOPLE_PER_TOWN))
    towns = [t for t in range(FIRST_TOWN, 1000) if t not in OTHER_BENCH_TOWNS][:count]
    if len(towns) < count:
        raise ValueError(f"{people:,} people need {count} towns: a county has at most {len(towns)} here")
    return [
        (f"610924{town:03d}{village:03d}", f"{town}镇{village}村")
        for town in towns
        for village in range(201, 201 + VILLAGES_PER_TOWN)
    ]


def write_county(
    path: Path,
    people: int,
    codes: list[str] | None = None,
    generator: Generator | None = None,
    first_number: int = 1,
) -> int:
    """A county ledger of about ``people`` rows, written as it is generated (never held whole): the
    households spread over ``codes`` (default the villages of a county of ``people``), numbered in
    each from ``first_number``. Files written by one ``generator`` never share an ID number."""
    codes = codes or [code for code, _ in villages(people)]
    generator, written, serial = generator or Generator(2026), 0, 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header_row())
        while written < people:
            number = serial // len(codes) + first_number
            household = generator.household(codes[serial % len(codes)], number)
            rows = import_rows(household, date(2023, 1, 1), {0: {"dibao"}} if serial % 9 == 0 else None)
            writer.writerows(rows)
            written += len(rows)
            serial += 1
    return written


async def make_areas(env: BenchEnvironment, people: int) -> None:
    names = villages(people)
    towns = sorted({(code[:9] + "000", f"{code[6:9]}镇") for code, _ in names})
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        for code, name in [*COUNTY_CHAIN, *towns, *names]:
            (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()


async def copy_baseline(env: BenchEnvironment, path: Path) -> float:
    """Rows per second to read the same file and COPY its rows, untouched, into a table of text columns."""
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        columns = [f"c{i}" for i in range(len(header_row()))]
        await conn.execute(f"CREATE TEMP TABLE bench_people ({', '.join(c + ' text' for c in columns)})")
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            count = 0
            while chunk := [row for _, row in zip(range(50_000), reader, strict=False)]:
                await conn.copy_records_to_table("bench_people", records=chunk, columns=columns)
                count += len(chunk)
        return count / (time.perf_counter() - started)
    finally:
        await conn.close()


PROGRESS = re.compile(r"fangpin import: ([\d,]+)/([\d,]+) rows")
WINDOW = 100_000  # the first and the last rows whose rates are compared (half of a smaller file)


@dataclass
class ImportRun:
    elapsed: float  # seconds, the whole process
    peak_rss: int  # bytes, the import process's own peak
    # (seconds since the process started, rows done, the machine's 1-minute load average), as it reported
    progress: list[tuple[float, int, float]]

    def _points(self) -> list[tuple[int, float]]:
        """(rows done, seconds) at the first report of each count, in order."""
        reached: dict[int, float] = {}
        for at, done, _ in self.progress:
            reached.setdefault(done, at)
        return sorted(reached.items())

    def window_rates(self, window: int) -> tuple[float, float]:
        """Rows/s of the first ``window`` rows (from the report before the first batch, once the file is
        counted) and of the last (up to the last batch's report)."""
        points = self._points()
        start, total = points[0], points[-1]
        first = next(p for p in points if p[0] >= min(window, total[0]))
        last = max((p for p in points if p[0] <= total[0] - window), default=start)
        return (first[0] - start[0]) / (first[1] - start[1]), (total[0] - last[0]) / (total[1] - last[1])

    def course(self, parts: int = 10) -> list[tuple[float, float]]:
        """The rate over the import's course: rows/s and the machine's mean load average in each of
        ``parts`` equal shares of the rows (each from the last report before it starts)."""
        points = self._points()
        total = points[-1][0]
        shares = []
        for index in range(parts):
            low, high = total * index / parts, total * (index + 1) / parts
            begin = max(p for p in points if p[0] <= low)
            end = next(p for p in points if p[0] >= high)
            loads = [load for at, _, load in self.progress if begin[1] <= at <= end[1]]
            shares.append(((end[0] - begin[0]) / (end[1] - begin[1]), sum(loads) / len(loads)))
        return shares


def run_import(database: Database, keys: Keys, path: Path) -> ImportRun:
    """`fangpin import` in its own process: its duration, its own peak memory (wait4's rusage, not the
    largest of all children so far) and each progress line with the time it arrived."""
    variables = process_env(database, keys, FANGPIN_LOG_LEVEL="WARNING")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | variables
    command = [sys.executable, "-m", "fangpin", "import", str(path)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    reports, text, pending = [], [], ""
    while chunk := process.stderr.read1(65536):
        now = time.perf_counter() - started
        pending += chunk.decode(errors="replace")
        *lines, pending = re.split(r"[\r\n]", pending)
        for line in lines:
            text.append(line)
            if match := PROGRESS.search(line):
                reports.append((now, int(match[1].replace(",", "")), os.getloadavg()[0]))
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"fangpin import failed ({process.returncode}): {' '.join(text[-5:])}")
    return ImportRun(elapsed, usage.ru_maxrss * 1024, reports)


async def county_import(
    env: BenchEnvironment, people: int, workdir: Path, *, floor: bool = True
) -> list[Row]:
    """The import and its figures; without ``floor``, no scratch import and no floor (half the time)."""
    await make_areas(env, people)
    path = workdir / "county.csv"
    rows = await asyncio.to_thread(write_county, path, people)
    towns = len(villages(people)) // VILLAGES_PER_TOWN
    progress(f"{rows:,} people in {towns} towns of {VILLAGES_PER_TOWN} villages")
    floor_rate, stored_rows = None, 0
    if floor:
        progress(f"importing {rows:,} people into a scratch database, for the rows the import stores")
        stored = await capture_stored_rows(env.database, workdir, lambda db: run_import(db, env.keys, path))
        progress(f"the import stores {stored.total:,} rows: {stored.describe()}")
        seconds = await copy_floor(env.database, stored)
        progress(f"floor: {stored.total:,} rows COPYed in {seconds:.1f} s; now the import itself")
        floor_rate, stored_rows = rows / seconds, stored.total
    imported = await asyncio.to_thread(run_import, env.database, env.keys, path)
    course = imported.course()
    progress(
        f"the import took {imported.elapsed:.0f} s; rows/s by tenth of the file (the machine's load): "
        + ", ".join(f"{rate:,.0f} ({load:.1f})" for rate, load in course)
    )
    baseline = await copy_baseline(env, path)
    window = min(WINDOW, rows // 2)
    first, last = imported.window_rates(window)
    rate = rows / imported.elapsed
    against_floor = [
        Row(
            f"the same import against its floor: the {stored_rows:,} rows it stores COPYed into tables "
            f"shaped like the registry's (no triggers), {FLOOR_CONNECTIONS} connections",
            rate,
            floor_rate,
            "rows/s",
            goal="≥ 0.5 of the floor",
            met=lambda value, base: base is not None and value >= 0.5 * base,
        )
    ]
    return [
        Row(f"import rows/s ({rows:,} people, `fangpin import`)", rate, baseline, "rows/s"),
        *(against_floor if floor_rate is not None else []),
        Row(
            "import rate of the last tenth of the file against the first (the machine's load "
            f"{course[0][1]:.1f} → {course[-1][1]:.1f})",
            course[-1][0],
            course[0][0],
            "rows/s",
        ),
        Row(
            f"import rate of the last {window:,} rows against the first {window:,}",
            last,
            first,
            "rows/s",
            goal="≥ 0.9 of the first (no slowdown)",
            met=lambda value, base: base is not None and value >= 0.9 * base,
        ),
        Row(
            "import peak memory (MiB, the import process)",
            imported.peak_rss / MIB,
            None,
            "MiB",
            goal="< 512 MiB",
            met=lambda value, _: value < 512,
        ),
    ]
