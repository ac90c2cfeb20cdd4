"""The jobs statistics read rollups that always equal a recount from the raw rows, on any date."""

from __future__ import annotations

import random
import uuid
from datetime import date

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.common.area_codes import NATIONAL_ROOT
from services.common.database import async_url
from services.common.rollups.compaction import compact_exclusively
from services.common.rollups.store import verify
from services.jobs.employment.recount import recounted_employment_stats
from services.jobs.posts.recount import recounted_post_stats
from services.jobs.training.recount import recounted_training_stats
from tests.support.database import libpq_url
from tests.support.jobs_world import JobsWorld
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas
from tests.support.system import Database

AREAS = [NATIONAL_ROOT, "610000000000", COUNTY, TOWN, OTHER_TOWN, HUANGJIN, LONGQUAN, SHUANGFENG]


async def answer(client: httpx.AsyncClient, path: str, **params: str) -> dict:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def check_every_figure(admin: httpx.AsyncClient, session: AsyncSession, world: JobsWorld) -> None:
    rng = world.rng
    days = sorted(set(rng.sample(sorted(world.days), 10)) | {min(world.days), max(world.days)})
    days += [date(2021, 12, 31), date(2030, 1, 1), date.max]
    for day in days:
        for area in AREAS:
            where = {"area": area, "as_of": day.isoformat()}
            assert await answer(admin, "/api/v1/employment-stats", **where) == (
                await recounted_employment_stats(session, "", area, day)
            ).model_dump(mode="json"), where
            assert await answer(admin, "/api/v1/welfare-post-stats", **where) == (
                await recounted_post_stats(session, "", area, day)
            ).model_dump(mode="json"), where
            assert await answer(admin, "/api/v1/training-stats", **where) == (
                await recounted_training_stats(session, "", area, day, None)
            ).model_dump(mode="json"), where
        for course in rng.sample(world.courses, min(2, len(world.courses))):
            where = {"area": COUNTY, "as_of": day.isoformat(), "course_id": course}
            assert await answer(admin, "/api/v1/training-stats", **where) == (
                await recounted_training_stats(session, "", COUNTY, day, course)
            ).model_dump(mode="json"), where


@pytest.mark.parametrize("seed", [11, 12])
async def test_random_jobs_writes_leave_rollups_equal_to_a_recount_on_every_date(
    seed: int, admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    rng = random.Random(seed)
    await make_areas(admin)
    world = JobsWorld(admin, rng, system)
    await world.populate(households=8)
    for _ in range(100):
        await world.step()
    engine = create_async_engine(async_url(database.owner_url))
    try:
        async with AsyncSession(engine) as session:
            await check_every_figure(admin, session, world)
            assert await verify(session, "jobs") == []
            # The service's own compaction may have folded them already (it runs every minute).
            await compact_exclusively(session, "jobs")  # not beside the service's own
            await session.commit()  # the statistics read the folded rows from here on
            assert await verify(session, "jobs") == []
            await check_every_figure(admin, session, world)
    finally:
        await engine.dispose()


async def test_the_statistics_read_the_rollups_not_the_rows(
    admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    """A row the triggers never saw (written with triggers off, as a bad hand edit would) does not show
    in the figures, and verify() names the difference."""
    await make_areas(admin)
    world = JobsWorld(admin, random.Random(5), system)
    await world.populate(households=1)
    person, household = world.people[0], world.households[0]["id"]
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(
                "INSERT INTO jobs.employment_records (id, person_id, household_id, area_code, "
                "household_category, status, source, reported_on, content_sha256, recorded_by, "
                "recorded_by_name) VALUES ($1, $2, $3, $4, 'ordinary', 'local', 'door_to_door', "
                "'2024-01-01', '\\x00', 'test', 'test')",
                uuid.uuid4(),
                uuid.UUID(person),
                uuid.UUID(household),
                world.households[0]["area_code"],
            )
    finally:
        await conn.close()
    stats = await answer(admin, "/api/v1/employment-stats", area=COUNTY, as_of="2024-06-30")
    assert stats["people"]["current"] == 0
    engine = create_async_engine(async_url(database.owner_url))
    try:
        async with AsyncSession(engine) as session:
            recounted = await recounted_employment_stats(session, "", COUNTY, date(2024, 6, 30))
            assert recounted.people.current == 1
            differences = await verify(session, "jobs")
            assert {(d.area_code, d.measure, d.key, d.rollup, d.recount) for d in differences} >= {
                (COUNTY, "people", "local", 0, 1)
            }
    finally:
        await engine.dispose()
