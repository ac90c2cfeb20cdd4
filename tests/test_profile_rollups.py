"""The village profile's figures (村情) read from the rollups equal the recount from the raw rows on any
date, after random writes: the registry's (registrations, moves, merges, deaths, deletions, programme
periods, 脱贫户 and 监测户 at once) and the profile's own (housing types, water, groups and dated moves
between them). Households registered before the rollups counted these figures count once the
background has refreshed the subjects marked stale (as migration 0023 marks them)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.common.database import async_url
from services.common.rollups.store import compact, verify
from services.registry.stats import rollups as measure
from services.registry.villages.repository import Counted, VillageRepository
from tests.support.compaction import compactor_paused
from tests.support.database import libpq_url
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas
from tests.support.system import Database
from tests.support.world import DatedWorld

VILLAGES = [HUANGJIN, LONGQUAN, SHUANGFENG]
SHOWN_PROGRAMMES = ("dibao", "tekun")  # the profile shows these two; the rollups count every programme
PROFILE_MEASURES = "('housing', 'water_unsafe', 'poor_households', 'poor_people', 'groups')"


class ProfileWorld(DatedWorld):
    """The dated world, with the profile's writes a third of the time."""

    async def step(self) -> None:
        households = await self.households() if self.rng.random() < 0.35 else []
        if not households:
            await super().step()
            return
        self.day += timedelta(days=self.rng.randint(0, 20))
        self.days.append(self.day)
        household = self.rng.choice(households)
        if self.rng.random() < 0.3:
            await self._housing(household)
        else:
            await self._group(household)

    async def _housing(self, household: dict) -> None:
        body = {
            "base_version": household["version"],
            "housing_type": self.rng.choice(["brick", "adobe", "bought_in_town", "other", None]),
            "drinking_water": self.rng.choice(["safe", "unsafe", None]),
        }
        changed = await self.admin.patch(f"/api/v1/households/{household['id']}", json=body)
        assert changed.status_code == 200, changed.text

    async def _group(self, household: dict) -> None:
        village = household["area_code"]
        number = self.rng.randint(1, 3)
        made = await self.admin.post(
            f"/api/v1/areas/{village}/groups", json={"number": number, "name": f"{number}组"}
        )
        assert made.status_code in (200, 201), made.text
        group_id = None if self.rng.random() < 0.2 else made.json()["id"]  # or it leaves its group
        moved = await self.admin.post(
            f"/api/v1/households/{household['id']}/group",
            json={"group_id": group_id, "effective_on": self.day.isoformat()},
        )
        assert moved.status_code == 200, moved.text


def shown(counted: Counted) -> Counted:
    """The rollups' counts of what the recount counts (it leaves out the programmes not shown)."""
    programmes = (measure.PROGRAMME_HOUSEHOLDS, measure.PROGRAMME_PEOPLE)
    return {
        village: {k: n for k, n in counts.items() if k[0] not in programmes or k[1] in SHOWN_PROGRAMMES}
        for village, counts in counted.items()
    }


async def assert_rollups_equal_the_recount(session: AsyncSession, days: list[date]) -> None:
    repository = VillageRepository(session)
    for day in days:
        recounted = await repository.recounted(COUNTY[:6] + "%", day)
        assert shown(await repository.counted(VILLAGES, day)) == recounted, day
        assert set(recounted) <= set(VILLAGES)


async def run_world(seed: int, steps: int, admin: httpx.AsyncClient, system: FastAPI) -> ProfileWorld:
    await make_areas(admin)
    world = ProfileWorld(admin, random.Random(seed), system)
    for _ in range(steps):
        await world.step()
    return world


@pytest.mark.parametrize("seed", [21, 22])
async def test_random_writes_leave_the_profile_rollups_equal_to_a_recount_on_every_date(
    seed: int, system: FastAPI, admin: httpx.AsyncClient, database: Database
) -> None:
    engine = create_async_engine(async_url(database.owner_url))
    try:
        async with compactor_paused(system, "registry"), AsyncSession(engine) as session:
            world = await run_world(seed, 80, admin, system)
            rng = random.Random(seed)
            days = sorted(set(rng.sample(world.days, 8)) | {world.days[0], world.days[-1], date(2030, 1, 1)})
            await assert_rollups_equal_the_recount(session, days)
            assert await verify(session, "registry") == []
            assert await compact(session, "registry") > 0
            await assert_rollups_equal_the_recount(session, days[-2:])

            # Through the API: the report's rows are the recount's, for the town on the last day.
            last = world.days[-1]
            answer = await admin.get(
                "/api/v1/registry-stats/village-profiles", params={"area": TOWN, "as_of": str(last)}
            )
            assert answer.status_code == 200, answer.text
            recounted = await VillageRepository(session).recounted(TOWN[:9] + "%", last)
            for row in answer.json()["villages"]:
                counts = recounted.get(row["area_code"], {})
                assert (row["households"], row["people"], row["groups"], row["poor_people"]) == (
                    counts.get((measure.HOUSEHOLDS, ""), 0),
                    counts.get((measure.PEOPLE, ""), 0),
                    counts.get((measure.GROUPS, ""), 0),
                    counts.get((measure.POOR_PEOPLE, ""), 0),
                ), row
    finally:
        await engine.dispose()


async def test_subjects_marked_stale_count_once_the_background_refreshes_them(
    system: FastAPI, admin: httpx.AsyncClient, database: Database
) -> None:
    engine = create_async_engine(async_url(database.owner_url))
    try:
        async with compactor_paused(system, "registry") as compactor, AsyncSession(engine) as session:
            world = await run_world(5, 30, admin, system)
            # As a database upgraded to 0023 is: the figures counted before it, every subject stale.
            conn = await asyncpg.connect(libpq_url(database.owner_url))
            try:
                async with conn.transaction():
                    for table in ("rollup_contributions", "rollup_totals"):
                        await conn.execute(
                            f"DELETE FROM registry.{table} WHERE measure IN {PROFILE_MEASURES}"  # noqa: S608
                        )
                    await conn.execute(
                        "INSERT INTO registry.rollup_stale SELECT id FROM registry.households "
                        "WHERE deleted_at IS NULL UNION SELECT id FROM registry.village_groups"
                    )
            finally:
                await conn.close()
            assert await verify(session, "registry") == []  # the stale ones are taken as stored
            await session.commit()

            assert await compactor.refresh_stale_now() > 0
            await assert_rollups_equal_the_recount(session, [world.days[-1], date(2030, 1, 1)])
            assert await verify(session, "registry") == []
    finally:
        await engine.dispose()
