"""10,000 random writes across the three services, then `fangpin reports verify`: no difference."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from fangpin.reports_command import ROLLUP_SCHEMAS
from tests.support.cases import enrol_cases, past_case
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import (
    HUANGJIN,
    LONGQUAN,
    SHUANGFENG,
    fresh_number,
    make_areas,
    member,
    national_id,
)
from tests.support.system import Database
from tests.support.world import DatedWorld, everything
from tests.test_rollups import reports_verify

VILLAGES = [HUANGJIN, LONGQUAN, SHUANGFENG]
STATUSES = ["away_out_of_province", "away_in_province", "local", "not_working", "public_welfare_post"]


_births = itertools.count()


def person(relation: str) -> dict:
    """A member with an ID number of their own (each a different birth date: thousands are needed)."""
    born = date(1950, 1, 1) + timedelta(days=next(_births))
    return member(relation) | {"national_id": national_id(born.strftime("%Y%m%d"))}


async def register_households(
    admin: httpx.AsyncClient, system: FastAPI, rng: random.Random, batches: int
) -> list[dict]:
    """Households of 1–4 people, 100 to a batch, registered on days across three years; a third of them
    监测户 from their registration, enrolled through past cases (the one way a household becomes one)."""
    made = []
    for _ in range(batches):
        items, monitored = [], []
        for _ in range(100):
            village, day = rng.choice(VILLAGES), f"{rng.randint(2022, 2024)}-{rng.randint(1, 12):02d}-01"
            people = [person("head"), *(person("child") for _ in range(rng.randint(0, 3)))]
            category = rng.choice(["ordinary", "escaped", "monitored"])
            items.append(
                {
                    "id": str(uuid.uuid4()),
                    "number": fresh_number(village),
                    "area_code": village,
                    "registered_on": day,
                    "category": "ordinary" if category == "monitored" else category,
                    "members": [p | {"registered_on": day} for p in people],
                }
            )
            if category == "monitored":
                monitored.append(items[-1])
        response = await admin.post("/api/v1/households/batch", json={"items": items})
        assert response.status_code == 200 and response.json()["created"] == 100, response.text
        made += [{"id": i["id"], "area_code": i["area_code"]} for i in items]
        await enrol_cases(admin, system, [past_case(h, h["registered_on"]) for h in monitored])
    return made


async def everyone(admin: httpx.AsyncClient) -> list[str]:
    return [p["id"] for p in await everything(admin, "/api/v1/people")]


async def employment_records(
    admin: httpx.AsyncClient, rng: random.Random, people: list[str], count: int
) -> int:
    written = 0
    while written < count:
        items = [
            {
                "id": str(uuid.uuid4()),
                "person_id": rng.choice(people),
                "status": rng.choice(STATUSES),
                "source": "door_to_door",
                "reported_on": f"{rng.randint(2022, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
            for _ in range(min(500, count - written))
        ]
        response = await admin.post("/api/v1/employment-records/batch", json={"items": items})
        assert response.status_code == 200, response.text
        written += response.json()["created"]
        assert response.json()["created"] > 0
    return written


async def inspections(
    admin: httpx.AsyncClient, rng: random.Random, households: list[dict], count: int
) -> int:
    items = [
        inspection(
            household["id"],
            area_code=household["area_code"],
            visited_at=f"2025-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00",
            wages=rng.choice([4_000, 40_000]),  # some under the line: alerts
        )
        for household in rng.choices(households, k=count)
    ]
    created = 0
    for start in range(0, len(items), 500):
        response = await admin.post("/api/v1/inspections/batch", json={"items": items[start : start + 500]})
        assert response.status_code == 200, response.text
        created += response.json()["created"]
    return created


@pytest.mark.once
async def test_ten_thousand_random_writes_leave_no_difference(
    admin: httpx.AsyncClient, system: FastAPI, database: Database
) -> None:
    rng = random.Random(10_000)
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    households = await register_households(admin, system, rng, batches=12)  # 1,200 households, ~3,000 people
    people = await everyone(admin)
    world = DatedWorld(admin, rng, system)  # moves, a village merge, deaths, programme periods, deletions
    for _ in range(60):
        await world.step()
    writes = len(households) + len(people) + 60
    writes += await inspections(admin, rng, households, 1_500)
    writes += await employment_records(admin, rng, people, max(1_000, 10_000 - writes))
    assert writes >= 10_000

    result = reports_verify(database)
    assert result.returncode == 0, result.stderr
    for part in ROLLUP_SCHEMAS:
        assert f"{part}: the rollups equal a recount from the raw rows" in result.stderr
