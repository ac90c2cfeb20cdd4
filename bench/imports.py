"""The bulk import of a synthetic county against a raw asyncpg COPY of the same file's rows.

The import runs as `fangpin import` in its own process, so its peak memory is measured alone.
"""

from __future__ import annotations

import asyncio
import csv
import os
import resource
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import httpx

from bench.environment import BenchEnvironment
from bench.report import Row
from fangpin.synthetic import Generator, import_rows
from services.registry.codes import Health, LabourAbility, Relation, Schooling
from services.registry.imports.columns import YES, codes_by_cell, header_row
from tests.support.database import libpq_url
from tests.support.system import process_env

COUNTY_CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]
TOWNS, VILLAGES_PER_TOWN = 20, 15
FIRST_TOWN = 120  # apart from the towns the other benchmarks use (105, 199)
GIB = 1024**3


def villages() -> list[tuple[str, str]]:
    return [
        (f"610924{town:03d}{village:03d}", f"{town}镇{village}村")
        for town in range(FIRST_TOWN, FIRST_TOWN + TOWNS)
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
    households spread over ``codes`` (default every village), numbered in each from ``first_number``.
    Files written by one ``generator`` never share an ID number."""
    codes = codes or [code for code, _ in villages()]
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


async def make_areas(env: BenchEnvironment) -> None:
    towns = sorted({(code[:9] + "000", f"{code[6:9]}镇") for code, _ in villages()})
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        for code, name in [*COUNTY_CHAIN, *towns, *villages()]:
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


# The people's columns a COPY fills in the table-shaped baseline (the rest take their defaults).
PEOPLE_COLUMNS = (
    "id", "household_id", "area_code", "name", "national_id_cipher", "national_id_index",
    "national_id_masked", "birth_date", "sex", "relation", "health", "disability_grade",
    "labour_ability", "schooling", "medical_insured", "registered_on",
)  # fmt: skip


def _person_record(row: list[str]) -> tuple:
    """A file row as registry.people holds it (ids and the ID number's secrets made up: not timed)."""
    number = row[14]
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return (
        uuid.uuid4(), uuid.uuid4(), row[1], row[13], os.urandom(46), os.urandom(32),
        number[:6] + "*" * 8 + number[-4:], born, "male" if int(number[16]) % 2 else "female",
        codes_by_cell(Relation)[row[15]], codes_by_cell(Health)[row[16] or "healthy"],
        int(row[17]) if row[17] else None, codes_by_cell(LabourAbility).get(row[18]),
        codes_by_cell(Schooling).get(row[19]), row[20] in YES, date.fromisoformat(row[12]),
    )  # fmt: skip


async def table_copy_baseline(env: BenchEnvironment, path: Path) -> float:
    """Rows per second of COPY into a table shaped like registry.people (its columns, indexes and checks;
    no triggers, so no change log or counts), the rows made ready beforehand: the database's own cost of
    storing and indexing a person, with nothing of ours."""
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await conn.execute("CREATE TABLE public.bench_people (LIKE registry.people INCLUDING ALL)")
        elapsed, count = 0.0, 0
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            while chunk := [_person_record(row) for _, row in zip(range(50_000), reader, strict=False)]:
                started = time.perf_counter()
                await conn.copy_records_to_table(
                    "bench_people", schema_name="public", records=chunk, columns=PEOPLE_COLUMNS
                )
                elapsed += time.perf_counter() - started
                count += len(chunk)
        return count / elapsed
    finally:
        await conn.execute("DROP TABLE IF EXISTS public.bench_people")
        await conn.close()


def run_import(env: BenchEnvironment, path: Path) -> tuple[float, float]:
    """(rows/s, peak memory in bytes) of `fangpin import` in its own process."""
    variables = process_env(env.database, env.keys, FANGPIN_LOG_LEVEL="WARNING")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | variables
    command = [sys.executable, "-m", "fangpin", "import", str(path)]
    started = time.perf_counter()
    subprocess.run(command, env=full_env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib * 1024


async def county_import(env: BenchEnvironment, people: int, workdir: Path) -> list[Row]:
    await make_areas(env)
    path = workdir / "county.csv"
    rows = await asyncio.to_thread(write_county, path, people)
    elapsed, peak = await asyncio.to_thread(run_import, env, path)
    baseline = await copy_baseline(env, path)
    shaped = await table_copy_baseline(env, path)
    return [
        Row(
            f"import rows/s ({rows:,} people, `fangpin import`)",
            rows / elapsed,
            baseline,
            "rows/s",
            goal="≥ 1/4 of COPY",
            met=lambda value, base: base is not None and value >= base / 4,
        ),
        Row(
            "the same import against a COPY into a table shaped like registry.people (no triggers)",
            rows / elapsed,
            shaped,
            "rows/s",
        ),
        Row(
            "import peak memory (GiB)",
            peak / GIB,
            None,
            "GiB",
            goal="< 1 GiB",
            met=lambda value, _: value < 1,
        ),
    ]
