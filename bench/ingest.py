"""Inspections posted through the gateway in batches of 500 (rules, audit, alerts), against the same
batches posted to a bare endpoint that stores them with one COPY (bench.bare_inspections), in the same
run; and that endpoint against one raw COPY of the same rows."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid

import asyncpg
import httpx

from bench.bare_inspections import COLUMNS, SCHEMA, TABLE, record_of
from bench.environment import BenchEnvironment
from bench.report import Row
from services.monitoring.inspections.schemas import InspectionCreate
from tests.support.database import libpq_url
from tests.support.processes import PartProcess, free_port, wait_ready
from tests.support.registry import seed_households

CHAIN = [
    ("610000000000", "陕西省"),
    ("610900000000", "安康市"),
    ("610924000000", "紫阳县"),
    ("610924199000", "监测镇"),
]
# A town of its own, apart from the other benchmarks' towns (105, 120–139).
VILLAGES = [(f"610924199{n:03d}", f"村{n}") for n in range(201, 211)]
BATCH, CLIENTS = 500, 4


def visits(count: int, households: list[tuple[str, str]], seed: int = 2025) -> list[dict]:
    """Realistic visits: most households fine, some poor, some with a dropout or an uninsured member."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        household, village = rng.choice(households)
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "household_id": str(household),
                "area_code": village,
                "visited_at": f"2025-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00",
                "location": {"latitude": 32.5 + rng.random() / 10, "longitude": 108.5 + rng.random() / 10},
                "household_size": rng.randint(1, 6),
                "food_secure": rng.random() > 0.01,
                "clothing_secure": True,
                "children": [
                    {
                        "name": "小明",
                        "age": rng.randint(6, 15),
                        "schooling": rng.choice(["in_school"] * 30 + ["dropped_out"]),
                    }
                ],
                "medical_insurance": [{"name": "王秀英", "insured": rng.random() > 0.02}],
                "housing_grade": rng.choice("AAAAAAAABC"),
                "water": {"enough": True, "quality_ok": True, "convenient": True, "reliable": True},
                "income": {"wages": rng.randint(5_000, 80_000), "transfer": rng.randint(0, 3_000)},
                "large_expenses": {"medical": rng.choice([0, 0, 0, 5_000, 30_000])},
            }
        )
    return out


def start_bare(env: BenchEnvironment) -> PartProcess:
    """The bare endpoint (bench.bare_inspections) in its own process, as the parts are started."""
    port = free_port()
    log_path = env.parts["monitoring"].log_path.parent / f"bare-inspections-{port}.log"
    variables = {"FANGPIN_BENCH_DATABASE_URL": libpq_url(env.database.owner_url)}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | variables
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_inspections", "--port", str(port)],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    part = PartProcess("bare-inspections", port, process, log_path, variables)
    try:
        wait_ready(part)
    except BaseException:
        part.stop()
        raise
    return part


async def post_batches(base_url: str, headers: dict[str, str], path: str, batches: list[list[dict]]) -> float:
    """Inspections/s of posting every batch, ``CLIENTS`` at a time; each must be stored whole."""
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as client:
        queue = iter(batches)
        created = 0
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal created
            for batch in queue:
                response = await client.post(path, json={"items": batch})
                if response.is_error:
                    raise RuntimeError(f"{base_url}{path}: {response.status_code} {response.text[:500]}")
                created += response.json()["created"]

        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    count = sum(len(batch) for batch in batches)
    if created != count:
        raise RuntimeError(f"{base_url}{path} stored {created} of {count} inspections")
    return count / elapsed


async def raw_copy(env: BenchEnvironment, items: list[dict]) -> float:
    """Rows/s of one asyncpg COPY of the items, made ready beforehand, into the bare endpoint's table:
    the storage alone, without HTTP or JSON."""
    records = [record_of(InspectionCreate.model_validate(item)) for item in items]
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await conn.execute(f"TRUNCATE {SCHEMA}.{TABLE}")
        started = time.perf_counter()
        await conn.copy_records_to_table(TABLE, schema_name=SCHEMA, records=records, columns=COLUMNS)
        rate = len(items) / (time.perf_counter() - started)
        await conn.execute(f"DROP TABLE {SCHEMA}.{TABLE}")
        return rate
    finally:
        await conn.close()


async def registered_households(env: BenchEnvironment, count: int) -> list[tuple[str, str]]:
    """The households visited (a third as many as visits), registered before the clock starts."""
    per_village = max(1, count // len(VILLAGES))
    households = []
    for code, _ in VILLAGES:
        households += [(h, code) for h in await seed_households(env.database.owner_url, code, per_village)]
    return households


async def inspection_ingest(env: BenchEnvironment, count: int) -> list[Row]:
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=120) as client:
        for code, name in [*CHAIN, *VILLAGES]:
            (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()
        items = visits(count, await registered_households(env, count // 3))
        line = {"area_code": "610924000000", "year": 2025, "income_line": 7000, "large_expense_line": 20000}
        (await client.post("/api/v1/thresholds", json=line)).raise_for_status()
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    bare = start_bare(env)
    try:
        floor = await post_batches(bare.url, {}, "/batch", batches)
    finally:
        bare.stop()
    real = await post_batches(env.gateway, env.admin_headers, "/api/v1/inspections/batch", batches)
    raw = await raw_copy(env, items)
    return [
        Row(
            f"inspections/s through the gateway ({count:,}, batches of {BATCH}, {CLIENTS} clients; rules, "
            "audit, alerts) against a bare endpoint (same uvicorn and models, one COPY per batch)",
            real,
            floor,
            "rows/s",
            goal="≥ 2,000/s and ≥ 0.5 of the bare endpoint",
            met=lambda value, base: value >= 2000 and base is not None and value >= 0.5 * base,
        ),
        Row("the bare endpoint against one COPY of the same rows (no HTTP, no JSON)", floor, raw, "rows/s"),
    ]
