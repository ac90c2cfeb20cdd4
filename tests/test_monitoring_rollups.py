"""The monitoring statistics read rollups that always equal a recount from the raw rows, on any date:
random dated alerts (left open, acknowledged, dismissed, taken into cases), case steps and closings
through the API, moved afterwards to the days they stand for, and a threshold change at the end."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.common.calendar import china_today
from services.common.database import async_url
from services.common.rollups.compaction import compact_exclusively
from services.common.rollups.store import verify
from services.monitoring.stats.service import recounted_monitoring_stats
from tests.support.events import relay_of
from tests.support.monitoring import set_thresholds
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    OTHER_TOWN,
    SHUANGFENG,
    TOWN,
    make_areas,
    make_household,
    member,
)
from tests.support.system import Database
from tests.test_monitoring_stats import alerts_of, backdate, enrol, noon, open_case, sql, step, visit

URL = "/api/v1/monitoring-stats"
AREAS = {COUNTY: 9, TOWN: 12, OTHER_TOWN: 12, HUANGJIN: None, LONGQUAN: None, SHUANGFENG: None}
START = date(2024, 12, 1)


def days_after(rng: random.Random, first: date, count: int) -> list[date]:
    """``count`` days in order from ``first`` (the same day may repeat)."""
    days = [first]
    for _ in range(count - 1):
        days.append(days[-1] + timedelta(days=rng.choice([0, 1, 3, 10, 25])))
    return days


class World:
    def __init__(
        self, admin: httpx.AsyncClient, database: Database, levels: dict, rng: random.Random
    ) -> None:
        self.admin, self.database, self.levels, self.rng = admin, database, levels, rng
        self.days: set[date] = set()

    async def close_alerts(self, household: dict) -> None:
        """Each live alert of the household stays open, is acknowledged, or is dismissed on a later day."""
        for alert in await alerts_of(self.admin, household):
            if alert["state"] != "open":
                continue
            choice = self.rng.choice(["keep", "acknowledge", "dismiss", "dismiss"])
            if choice == "keep":
                continue
            body: dict = {"base_version": alert["version"]}
            if choice == "dismiss":
                body["reason"] = "核实无风险"
            response = await self.admin.post(f"/api/v1/alerts/{alert['id']}/{choice}", json=body)
            assert response.status_code == 200, response.text
            if choice == "dismiss":
                raised = date.fromisoformat(alert["first_raised_at"][:10])
                closed = raised + timedelta(days=self.rng.choice([0, 1, 20, 40, 90]))
                self.days.add(closed)
                await sql(
                    self.database,
                    "UPDATE monitoring.alerts SET handled_at = $2 WHERE id = $1",
                    uuid.UUID(alert["id"]),
                    noon(closed.isoformat()),
                )

    async def case(self, household: dict, found: date) -> bool:
        """A case from the household's live alerts, taken some steps; True if it ended (rejected)."""
        levels = self.levels[OTHER_TOWN if household["area_code"] == SHUANGFENG else TOWN]
        case = await open_case(self.admin, household, levels["county"])
        path = self.rng.choice(["stay", "reject", "notice", "enrol", "enrol", "exit"])
        county = levels["county"]
        if path == "reject":
            case = await step(self.admin, case, county, "reject", reason="核实有稳定收入")
        elif path == "notice":
            case = await step(
                self.admin, case, county, "start_notice", notice_ends_on=china_today().isoformat()
            )
        elif path in ("enrol", "exit"):
            kind = self.rng.choice(["unstable", "marginal", "sudden_hardship"])
            case = await enrol(self.admin, self.database, case, levels, kind)
            if path == "exit":
                case = await step(self.admin, case, county, "propose_exit")
        steps = {"stay": 1, "reject": 2, "notice": 2, "enrol": 5, "exit": 6}[path]
        days = days_after(self.rng, found + timedelta(days=self.rng.choice([0, 1, 2])), steps)
        self.days.update(days)
        await backdate(self.database, case["id"], [d.isoformat() for d in days])
        return path == "reject"

    async def members(self, household: dict) -> None:
        """A child born or a member dying on a random day (the people the figures count)."""
        change = self.rng.choice(["none", "born", "died"])
        day = START + timedelta(days=self.rng.randrange(300))
        if change == "born":
            born = member("child", name="王小宝", registered_on=day.isoformat())
            added = await self.admin.post(f"/api/v1/households/{household['id']}/members", json=born)
            assert added.status_code == 201, added.text
        others = [m for m in household["members"] if m["relation"] != "head"]
        if change == "died" and others:
            body = {"base_version": 1, "deceased_on": day.isoformat()}
            died = await self.admin.patch(f"/api/v1/people/{others[0]['id']}", json=body)
            assert died.status_code == 200, died.text
        self.days.add(day)

    async def household(self, village: str) -> None:
        registered_on = (START - timedelta(days=30)).isoformat()
        household = await make_household(
            self.admin, village, members=self.rng.randint(1, 4), registered_on=registered_on
        )
        await self.members(household)
        found = START + timedelta(days=self.rng.randrange(200))
        for _ in range(self.rng.choice([1, 2])):
            self.days.add(found)
            risks = self.rng.choice([{}, {"housing_grade": "D"}])
            await visit(self.admin, household, found.isoformat(), poor=True, household_size=3, **risks)
            live = [
                a for a in await alerts_of(self.admin, household) if a["state"] in ("open", "acknowledged")
            ]
            if not live:  # the visit raised nothing new (a recent decision may hold the same risk back)
                ended = True
            elif self.rng.random() < 0.4:
                await self.close_alerts(household)
                ended = True
            else:
                ended = await self.case(household, found)
            if not ended:
                return
            found += timedelta(days=self.rng.choice([30, 60, 150]))


async def check_every_figure(admin: httpx.AsyncClient, session: AsyncSession, days: list[date]) -> None:
    for day in days:
        for area, child_digits in AREAS.items():
            response = await admin.get(URL, params={"area": area, "as_of": day.isoformat()})
            assert response.status_code == 200, response.text
            # No cadre is paired with anyone: the visits are zeros either way.
            recounted = await recounted_monitoring_stats(session, "", area, child_digits, day, [])
            assert response.json() == recounted.model_dump(mode="json"), (area, day)


@pytest.mark.parametrize("seed", [21, 22])
async def test_random_monitoring_writes_leave_rollups_equal_to_a_recount_on_every_date(
    seed: int,
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    rng = random.Random(seed)
    await make_areas(admin)
    await set_thresholds(admin, 2025, alert_decision_days=20, visit_interval_days=30, exit_waiting_days=0)
    county = await user_headers("county", "county_admin", COUNTY)
    levels = {
        town: {"county": county, "town": await user_headers(f"town{town}", "town_reviewer", town)}
        for town in (TOWN, OTHER_TOWN)
    }
    world = World(admin, clean_database, levels, rng)
    for _ in range(12):
        await world.household(rng.choice([HUANGJIN, LONGQUAN, SHUANGFENG]))
    # A later version for one village changes the limit of its alerts raised in 2025, back to the start.
    await set_thresholds(
        admin,
        2025,
        area_code=HUANGJIN,
        alert_decision_days=rng.choice([5, 45]),
        visit_interval_days=30,
        exit_waiting_days=0,
    )
    # Monitoring learns of the members (and the births and deaths) from the registry's events; one
    # household registered after that is not known yet: unsized.
    await relay_of(system, "registry").deliver_pending()
    await world.household(HUANGJIN)
    days = sorted(set(rng.sample(sorted(world.days), min(12, len(world.days)))))
    days += [min(world.days) - timedelta(days=1), max(world.days) + timedelta(days=100)]
    engine = create_async_engine(async_url(clean_database.owner_url))
    try:
        async with AsyncSession(engine) as session:
            assert await verify(session, "monitoring") == []
            await check_every_figure(admin, session, days)
            last = (await admin.get(URL, params={"area": COUNTY, "as_of": days[-1].isoformat()})).json()
            assert sum(s["people"] for s in last["cases_by_state"]) > 0  # the members did arrive
            await compact_exclusively(session, "monitoring")  # not beside the service's own
            await session.commit()
            assert await verify(session, "monitoring") == []
            await check_every_figure(admin, session, days[::3])
    finally:
        await engine.dispose()
