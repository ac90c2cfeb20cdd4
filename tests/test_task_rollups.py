"""Rectification figures come from the rollups: after random items, some closed on time, some late and
some not at all (closing backdated as a paper record is), /oversight-stats' task figures equal a recount
from the items on every date, and `fangpin reports verify` finds the rollups equal to the raw rows."""

from __future__ import annotations

import importlib.util
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.oversight import rectification_body, report_body
from tests.support.registry import COUNTY, HUANGJIN, LONGQUAN, OTHER_TOWN, SHUANGFENG, TOWN, make_areas
from tests.support.system import Database
from tests.test_rollups import reports_verify

ITEMS = "/api/v1/rectifications"
REVISION = Path(__file__).parents[1] / "services/oversight/migrations/versions/0004_task_rollups.py"
START = date(2025, 3, 1)
SOURCES = ("inspection_tour", "audit", "self_check")


@dataclass
class Item:
    area: str
    source: str
    received: date
    deadline: date
    closed: date | None = None


def recount(items: list[Item], first: date, day: date) -> dict[str, int]:
    """What the figures should be, counted from the items as the overdue list counts (tasks.repository)."""
    in_period = [i for i in items if first <= i.received <= day]
    closed = [i for i in items if i.closed is not None and first <= i.closed <= day]
    still_open = [i for i in items if i.received <= day and (i.closed is None or i.closed > day)]
    return {
        "opened": len(in_period),
        "closed": len(closed),
        "closed_on_time": sum(1 for i in closed if i.closed and i.closed <= i.deadline),
        "open": len(still_open),
        "overdue": sum(1 for i in still_open if i.deadline < day),
    }


async def test_task_figures_from_the_rollups_equal_a_recount_on_every_date(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory, database: Database
) -> None:
    await make_areas(admin)
    county = await user_headers("xian", "county_admin", COUNTY)
    towns = {
        HUANGJIN: await user_headers("zhen", "town_reviewer", TOWN),
        SHUANGFENG: await user_headers("zhen2", "town_reviewer", OTHER_TOWN),
    }
    towns[LONGQUAN] = towns[HUANGJIN]
    rng = random.Random(22)

    async def run(item: Item, reported: date | None, send_back: bool = False) -> None:
        body = rectification_body(
            area_code=item.area,
            source=item.source,
            received_on=item.received.isoformat(),
            deadline=item.deadline.isoformat(),
            milestones=[],
        )
        assert (await client.post(ITEMS, json=body, headers=county)).status_code == 201
        assert (await client.post(ITEMS, json=body, headers=county)).status_code == 200  # a retry
        url, town = f"{ITEMS}/{body['id']}", towns[item.area]
        if reported is None:
            return
        report = report_body(reported_on=reported.isoformat())  # reported and submitted by the town
        assert (await client.post(f"{url}/reports", json=report, headers=town)).status_code == 201
        assert (await client.post(f"{url}/submit", json={}, headers=town)).status_code == 200
        if send_back:  # no figure moves
            back = {"decision": "send_back", "reason": "证据不足"}
            assert (await client.post(f"{url}/review", json=back, headers=county)).status_code == 200
            assert (await client.post(f"{url}/submit", json={}, headers=town)).status_code == 200
        if item.closed is not None:  # closed by the county, the day a paper record gives
            close = {"decision": "close", "on": item.closed.isoformat()}
            closed = await client.post(f"{url}/review", json=close, headers=county)
            assert closed.status_code == 200, closed.text

    # Closed on its deadline (on time); due the day it was received, never closed (overdue the next).
    edge = [
        Item(HUANGJIN, "audit", START, START + timedelta(days=5), START + timedelta(days=5)),
        Item(LONGQUAN, "self_check", START + timedelta(days=20), START + timedelta(days=20)),
    ]
    await run(edge[0], START + timedelta(days=2))
    await run(edge[1], None)
    items: list[Item] = list(edge)
    for _ in range(12):
        received = START + timedelta(days=rng.randrange(40))
        item = Item(
            rng.choice((HUANGJIN, SHUANGFENG, LONGQUAN)),
            rng.choice(SOURCES),
            received,
            received + timedelta(days=rng.randrange(0, 20)),
        )
        reported = received + timedelta(days=rng.randrange(10)) if rng.random() < 0.7 else None
        if reported is not None and rng.random() < 0.8:
            item.closed = reported + timedelta(days=rng.randrange(25))
        await run(item, reported, send_back=rng.random() < 0.3)
        items.append(item)
    assert any(i.closed and i.closed <= i.deadline for i in items)
    assert any(i.closed and i.closed > i.deadline for i in items)
    assert any(i.closed is None for i in items)

    later = START + timedelta(days=10)  # a period starting after some items were received
    for offset in range(90):
        day = START + timedelta(days=offset)
        for area, since in ((COUNTY, START), (HUANGJIN, min(later, day))):
            mine = [i for i in items if i.area.startswith(area.rstrip("0"))]
            params = {"area": area, "as_of": day.isoformat(), "since": since.isoformat()}
            stats = (await admin.get("/api/v1/oversight-stats", params=params)).json()
            assert stats["tasks"] == recount(mine, since, day), (area, day)
            by_source = {s["source"]: s for s in stats["tasks_by_source"]}
            for source in SOURCES:
                expected = recount([i for i in mine if i.source == source], since, day)
                assert {k: by_source[source][k] for k in expected} == expected, (area, day, source)
        # The overdue list (counted from the items themselves) agrees with the rollup's figure.
        listed = await admin.get(ITEMS, params={"overdue_as_of": day.isoformat(), "limit": 500})
        assert len(listed.json()["items"]) == recount(items, START, day)["overdue"]

    result = reports_verify(database)
    assert result.returncode == 0, result.stderr
    assert "oversight: the rollups equal a recount from the raw rows" in result.stderr

    # Items made before the rollups counted them: revision 0004 counts them to the same figures.
    before, after = await refill_from_revision(database)
    assert before > 0 and after > 0
    refilled = reports_verify(database)
    assert refilled.returncode == 0, refilled.stderr
    later = {"area": COUNTY, "as_of": "2025-05-01", "since": START.isoformat()}
    stats = (await admin.get("/api/v1/oversight-stats", params=later)).json()
    assert stats["tasks"] == recount(items, START, date(2025, 5, 1))


def revision_0004() -> Any:
    spec = importlib.util.spec_from_file_location("oversight_0004", REVISION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def refill_from_revision(database: Database) -> tuple[int, int]:
    """Forget the items' rollups, then count them as revision 0004 does for items already there; the
    totals' task rows before and after."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        count = "SELECT count(*) FROM oversight.rollup_totals WHERE left(measure, 6) = 'tasks_'"
        before = await conn.fetchval(count)
        async with conn.transaction():
            for table in ("rollup_contributions", "rollup_totals"):
                await conn.execute(f"DELETE FROM oversight.{table} WHERE left(measure, 6) = 'tasks_'")  # noqa: S608
            await conn.execute(
                "DELETE FROM oversight.rollup_subjects WHERE subject_id IN "
                "(SELECT id FROM oversight.rectifications)"
            )
            for statement in revision_0004().UPGRADE:
                await conn.execute(statement)
        return before, await conn.fetchval(count)
    finally:
        await conn.close()
