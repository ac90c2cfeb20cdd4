"""The area report's 村情 section (``/registry-stats/village-profiles``) on the imported county, against
the "as of" recount of the same figures from the raw rows (``villages.repository.FIGURES_SQL``: every
household and person of the area replayed to the day), timed in the same run.

The import fills each household's group number (组) but makes no groups: they are made here, one per
village and number, each household in its group from the day it was registered, so the section's
group counts have rows to count.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.environment import BenchEnvironment
from bench.report import Row
from services.common.area_codes import prefix_of
from services.common.calendar import china_today
from services.common.database import async_url
from services.registry.villages.repository import FIGURES_SQL

PAST_DAY = date(2024, 6, 30)
MAKE_GROUPS = """
INSERT INTO registry.village_groups (id, area_code, number, name)
SELECT gen_random_uuid(), area_code, group_no, group_no || '组'
FROM registry.households WHERE area_code LIKE $1 AND group_no IS NOT NULL AND deleted_at IS NULL
GROUP BY area_code, group_no
"""
JOIN_GROUPS = """
INSERT INTO registry.household_groups (household_id, group_id, area_code, starts_on)
SELECT h.id, g.id, h.area_code, h.registered_on
FROM registry.households AS h
JOIN registry.village_groups AS g ON g.area_code = h.area_code AND g.number = h.group_no
WHERE h.area_code LIKE $1 AND h.deleted_at IS NULL
"""


async def make_groups(conn: asyncpg.Connection, area: str) -> int:
    """Groups for the area's households by their group number; how many households were put in one."""
    await conn.execute(MAKE_GROUPS, prefix_of(area) + "%")
    return int((await conn.execute(JOIN_GROUPS, prefix_of(area) + "%")).split()[-1])


async def _recount_ms(env: BenchEnvironment, area: str, day: date, runs: int = 3) -> float:
    """Median ms of the section's figures counted from the raw rows, as the section did before rollups."""
    engine = create_async_engine(async_url(env.database.owner_url))
    try:
        timings = []
        for _ in range(runs):
            async with AsyncSession(engine) as session, session.begin():
                started = time.perf_counter()
                await session.execute(text("SET LOCAL jit = off"))
                params = {"pattern": prefix_of(area) + "%", "day": day}
                (await session.execute(text(FIGURES_SQL), params)).all()
                timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000
    finally:
        await engine.dispose()


async def _section_ms(env: BenchEnvironment, area: str, day: date, requests: int) -> tuple[float, int]:
    """p95 ms of the section through the gateway, and how many villages it answered."""
    params = {"area": area, "as_of": day.isoformat()}
    path = "/api/v1/registry-stats/village-profiles"
    timings = []
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        warm = await client.get(path, params=params)
        warm.raise_for_status()
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get(path, params=params)).raise_for_status()
            timings.append(time.perf_counter() - started)
    return statistics.quantiles(timings, n=20)[-1] * 1000, len(warm.json()["villages"])


async def village_profiles(
    env: BenchEnvironment, areas: dict[str, str], people: int, requests: int = 40
) -> list[Row]:
    """The section's p95 for each of ``areas`` (name → code), today and on a past day."""
    rows = []
    for name, area in areas.items():
        for label, day in (("today", china_today()), (PAST_DAY.isoformat(), PAST_DAY)):
            latency, villages = await _section_ms(env, area, day, requests)
            rows.append(
                Row(
                    f"村情 section p95, {name} ({villages} villages, {people:,} people), {label}, "
                    "vs the as-of recount from raw rows",
                    latency,
                    await _recount_ms(env, area, day),
                    "ms",
                    goal="p95 ≤ 100 ms" if name == "county" else "",
                    met=(lambda value, _: value <= 100) if name == "county" else None,
                )
            )
    return rows
