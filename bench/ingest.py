"""Inspections posted through the gateway in batches of 500, rules evaluated, against a raw asyncpg
COPY of the same rows into a table of the same shape."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import datetime

import asyncpg
import httpx

from bench.environment import BenchEnvironment
from bench.report import Row
from tests.support.database import libpq_url
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


async def _copy_baseline(env: BenchEnvironment, items: list[dict]) -> float:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await conn.execute("CREATE TEMP TABLE bench_inspections (LIKE monitoring.inspections INCLUDING ALL)")
        records = [
            (
                uuid.UUID(i["id"]),
                uuid.UUID(i["household_id"]),
                i["area_code"],
                "bench",
                "bench",
                i["visited_at"],
                json.dumps(i, ensure_ascii=False),
            )
            for i in items
        ]
        columns = [
            "id",
            "household_id",
            "area_code",
            "inspector_id",
            "inspector_name",
            "visited_at",
            "answers",
            "content_sha256",
            "findings",
            "ruleset_version",
        ]
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "bench_inspections",
            records=[(*r[:5], datetime.fromisoformat(r[5]), r[6], b"", "[]", "bench") for r in records],
            columns=columns,
        )
        return len(items) / (time.perf_counter() - started)
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
        batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
        line = {"area_code": "610924000000", "year": 2025, "income_line": 7000, "large_expense_line": 20000}
        (await client.post("/api/v1/thresholds", json=line)).raise_for_status()
        queue = iter(batches)
        created = 0
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal created
            for batch in queue:
                response = await client.post("/api/v1/inspections/batch", json={"items": batch})
                response.raise_for_status()
                created += response.json()["created"]

        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        rate = count / (time.perf_counter() - started)
    if created != count:
        raise RuntimeError(f"ingest stored {created} of {count} inspections")
    baseline = await _copy_baseline(env, items)
    return [
        Row(
            f"inspections/s through the gateway ({count:,}, batches of {BATCH}, {CLIENTS} clients, rules on)",
            rate,
            baseline,
            "rows/s",
            goal="≥ 2,000/s and ≥ 15% of COPY",
            met=lambda value, base: value >= 2000 and base is not None and value >= 0.15 * base,
        )
    ]
