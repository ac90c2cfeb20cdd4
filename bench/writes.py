"""Audited, scoped writes through the whole stack against a raw asyncpg COPY of the same rows."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx

from bench.environment import BenchEnvironment
from bench.gateway_hop import AREAS
from bench.report import Row
from tests.support.database import libpq_url

TOWN = "610924105000"


def _villages(count: int, first: int) -> list[tuple[str, str]]:
    return [(f"610924105{first + n:03d}", f"村{first + n}") for n in range(count)]


async def _copy_baseline(env: BenchEnvironment, rows: list[tuple[str, str]]) -> float:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await conn.execute(
            "CREATE TEMP TABLE bench_areas (code text, name text, level text, parent_code text)"
        )
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "bench_areas", records=[(code, name, "village", TOWN) for code, name in rows]
        )
        return len(rows) / (time.perf_counter() - started)
    finally:
        await conn.close()


async def area_writes(env: BenchEnvironment, count: int) -> list[Row]:
    count = min(count, 998)  # village numbers of one town: 001-999
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        for code, name in [*AREAS, (TOWN, "蒿坪镇")]:  # the county's chain, unless `hop` made it already
            created = await client.post("/api/v1/areas", json={"code": code, "name": name})
            if created.status_code != 409:
                created.raise_for_status()
        rows = _villages(count, 1)
        queue = iter(rows)
        started = time.perf_counter()

        async def worker() -> None:
            for code, name in queue:
                (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()

        await asyncio.gather(*(worker() for _ in range(16)))
        rate = count / (time.perf_counter() - started)
    baseline = await _copy_baseline(env, rows)
    return [
        Row(f"area creates/s through the gateway ({count}, 16 clients, audited)", rate, baseline, "rows/s")
    ]
