"""Visit compliance from the rollups, and the compliance list, always equal the recount from the
registry's pairings and the visits, on any date: random pairings (some ended), visits by the paired
cadre and by others, households moved to another village or deleted, the visit interval changed for
one village and set for next year, all through the API, the pairings reaching monitoring by the
registry's events."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.common.calendar import china_today
from services.common.database import async_url
from services.common.rollups.compaction import Compactor
from services.common.rollups.store import stale_count, verify
from services.monitoring.stats.service import recounted_monitoring_stats
from services.monitoring.visits.service import recounted_compliance
from tests.support.compaction import compactor_paused
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    delete_household,
    make_areas,
    make_household,
    move_household,
)
from tests.support.system import Database
from tests.test_monitoring_rollups import AREAS

URL = "/api/v1/monitoring-stats"
VILLAGES = [HUANGJIN, LONGQUAN, SHUANGFENG]
START = date(2025, 1, 1)
INTERVALS = (10, 20, 30, 60, 90, 120)  # every interval the test may set, and the default


def edges(day: date) -> set[date]:
    """The days a visit or pairing on ``day`` may fall due, and the days after: where an error shows."""
    return {day + timedelta(days=n + extra) for n in INTERVALS for extra in (0, 1)}


def some_day(rng: random.Random, span: int = 420) -> date:
    return START + timedelta(days=rng.randrange(span))


async def visit(admin: httpx.AsyncClient, household: dict, day: date, cadre: str | None) -> None:
    body = inspection(household["id"], visited_at=f"{day}T10:00:00+08:00", area_code=household["area_code"])
    response = await admin.post("/api/v1/inspections", json=body | ({"cadre_id": cadre} if cadre else {}))
    assert response.status_code == 201, response.text


PAIRINGS_SQL = """
SELECT a.cadre_id::text, c.name AS cadre_name, a.household_id::text, h.area_code, a.starts_on::text
FROM registry.cadre_assignments AS a
JOIN registry.cadres AS c ON c.id = a.cadre_id JOIN registry.households AS h ON h.id = a.household_id
WHERE h.deleted_at IS NULL AND a.starts_on <= :day AND (a.ends_on IS NULL OR a.ends_on >= :day)
  AND h.area_code LIKE :prefix
"""


async def registry_pairings(session: AsyncSession, area: str, day: date) -> list[dict]:
    """The pairings in force on ``day`` from the registry's own tables (as its pairings endpoint)."""
    params = {"day": day, "prefix": area.rstrip("0") + "%"}
    return [dict(r._mapping) for r in await session.execute(text(PAIRINGS_SQL), params)]


async def check_every_figure(admin: httpx.AsyncClient, session: AsyncSession, days: list[date]) -> None:
    for day in days:
        for area, child_digits in AREAS.items():
            response = await admin.get(URL, params={"area": area, "as_of": day.isoformat()})
            assert response.status_code == 200, response.text
            pairings = await registry_pairings(session, area, day)
            recounted = await recounted_monitoring_stats(session, "", area, child_digits, day, pairings)
            assert response.json() == recounted.model_dump(mode="json"), (area, day)
            # The compliance list (in SQL, from monitoring's pairings) judges every pairing the same.
            params = {"within": area.rstrip("0"), "as_of": day.isoformat(), "limit": 5000}
            listed = await admin.get("/api/v1/visits/compliance", params=params)
            assert listed.status_code == 200, listed.text
            expected = await recounted_compliance(session, pairings, day, 5000)
            assert listed.json() == expected.model_dump(mode="json"), (area, day)


@pytest.fixture
async def compactor(system: FastAPI) -> AsyncIterator[Compactor]:
    async with compactor_paused(system, "monitoring") as compactor:
        yield compactor


@pytest.mark.parametrize("seed", [31, 32])
async def test_random_pairings_and_visits_leave_the_rollups_equal_to_a_recount_on_every_date(
    seed: int, system: FastAPI, admin: httpx.AsyncClient, clean_database: Database, compactor: Compactor
) -> None:
    rng = random.Random(seed)
    await make_areas(admin)
    await set_thresholds(admin, 2025, visit_interval_days=30)
    households = [await make_household(admin, rng.choice(VILLAGES), members=1) for _ in range(10)]
    cadres = []
    for name in ("李干部", "王干部", "张干部"):
        body = {"area_code": rng.choice(VILLAGES), "name": name, "unit": "镇政府"}
        created = await admin.post("/api/v1/cadres", json=body)
        assert created.status_code == 201, created.text
        cadres.append(created.json()["id"])
    days: set[date] = set()
    yesterday = china_today() - timedelta(days=1)  # no visit in the future
    for household in households:
        for cadre in rng.sample(cadres, rng.choice([0, 1, 1, 2])):
            starts = some_day(rng, 200)
            body = {"household_id": household["id"], "starts_on": starts.isoformat()}
            paired = await admin.post(f"/api/v1/cadres/{cadre}/assignments", json=body)
            assert paired.status_code == 201, paired.text
            days |= {starts} | edges(starts)
            for _ in range(rng.choice([0, 1, 2, 4])):  # the cadre's visits, before the pairing too
                visited = min(starts + timedelta(days=rng.randrange(-20, 640)), yesterday)
                await visit(admin, household, visited, cadre)
                days |= {visited} | edges(visited)
            if rng.random() < 0.3:
                ends = starts + timedelta(days=rng.randrange(0, 150))
                ended = await admin.post(
                    f"/api/v1/cadres/assignments/{paired.json()['id']}/end",
                    json={"ends_on": ends.isoformat()},
                )
                assert ended.status_code == 200, ended.text
                days.add(ends)
        if rng.random() < 0.3:  # someone else's visit counts for nobody's pairing
            await visit(admin, household, some_day(rng), None)
    await relay_of(system, "registry").deliver_pending()

    # Later: a household moves, another is deleted, one village's interval changes, next year's is set.
    moving, deleted = rng.sample(households, 2)
    await move_household(admin, moving, rng.choice([v for v in VILLAGES if v != moving["area_code"]]))
    await delete_household(admin, deleted)
    await set_thresholds(admin, 2025, area_code=HUANGJIN, visit_interval_days=rng.choice([10, 60]))
    await set_thresholds(admin, 2026, visit_interval_days=rng.choice([20, 120]))
    await relay_of(system, "registry").deliver_pending()
    # The new intervals' pairings are recounted in the background, not in the threshold's request;
    # until then verify takes them as they are stored.
    engine = create_async_engine(async_url(clean_database.owner_url))
    async with AsyncSession(engine) as session:
        waiting = await stale_count(session, "monitoring")
        assert waiting > 0 and await verify(session, "monitoring") == []
    await engine.dispose()
    assert await compactor.refresh_stale_now() == waiting
    assert await compactor.refresh_stale_now() == 0

    checked = sorted(rng.sample(sorted(days), min(30, len(days))))
    checked += [date(2024, 12, 31), date(2025, 12, 31), date(2026, 1, 1), date(2027, 1, 1), date(2027, 1, 20)]
    engine = create_async_engine(async_url(clean_database.owner_url))
    try:
        async with AsyncSession(engine) as session:
            assert await verify(session, "monitoring") == []
            await check_every_figure(admin, session, checked)
            await session.commit()
            # The service's own background compaction (under the schema's lock) folds the rows.
            assert await compactor.compact_now() > 0
            assert await verify(session, "monitoring") == []
            await check_every_figure(admin, session, checked[::4])
    finally:
        await engine.dispose()
