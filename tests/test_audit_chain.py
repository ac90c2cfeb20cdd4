"""The audit chain as the database writes it (one call: lock, last hash, insert): what it stores is what
was given, every link is the one Python verification recomputes, whatever the text, and writers at
once still make one line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.common.audit.chain import GENESIS, canonical_changes, record_hash
from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.audit.trail import AuditTrail, Outcome
from services.common.database import create_engine
from tests.support.system import Database

STORE = AuditStore(audit_table("registry"), chain="registry")
# Text JSON escapes and text PostgreSQL must keep exactly: quotes, backslashes, line breaks, tabs,
# Chinese, an emoji, and what looks like JSON inside a string.
AWKWARD = 'he said "是" \\ back\nslash\ttab 🌾 {"a": [1, null]} \u2028'


@pytest.fixture
async def engine(clean_database: Database) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(clean_database.app_url, part="test-audit-chain", pool_size=12, max_overflow=0)
    yield engine
    await engine.dispose()


def trail(request_id: str, *entries: tuple[str, str | None, dict | None]) -> AuditTrail:
    t = AuditTrail("POST", "/api/v1/areas", request_id, address="10.0.0.1", client=AWKWARD)
    for action, area_code, changes in entries:
        t.record(action, "area", AWKWARD, area_code=area_code, changes=changes)
    return t


async def append(engine: AsyncEngine, t: AuditTrail, outcome: Outcome, status: int | None) -> None:
    async with async_sessionmaker(engine)() as session:
        await STORE.append(session, t, outcome, status)
        await session.commit()


async def stored(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        table = STORE.table
        return [dict(r._mapping) for r in await conn.execute(sa.select(table).order_by(table.c.id))]


async def test_what_is_stored_is_what_was_given_and_every_link_verifies(engine: AsyncEngine) -> None:
    changes = {"name": [None, AWKWARD], "households": [0, 12]}
    await append(engine, trail("r-1", ("area.create", "610924000000", changes)), Outcome.success, 201)
    three = trail(
        "r-2", ("a.one", None, None), ("a.two", "610924105201", {"x": [1, 2]}), ("a.three", None, None)
    )
    await append(engine, three, Outcome.rejected, None)

    rows = await stored(engine)
    assert [r["action"] for r in rows] == ["area.create", "a.one", "a.two", "a.three"]
    first = rows[0]
    assert first["resource_id"] == AWKWARD and first["client"] == AWKWARD
    assert first["changes"] == canonical_changes(changes) and first["status"] == 201
    assert first["address"] == "10.0.0.1" and first["actor_id"] is None
    assert first["occurred_at"].tzinfo is not None
    assert abs((first["occurred_at"] - datetime.now(UTC)).total_seconds()) < 60
    assert rows[1]["status"] is None and rows[1]["outcome"] == "rejected" and rows[1]["changes"] is None
    assert rows[2]["changes"] is None  # a refused write keeps what was attempted, not the changes
    prev = GENESIS
    for row in rows:
        assert row["prev_hash"] == prev
        assert row["hash"] == record_hash(prev, row)
        prev = row["hash"]
    async with engine.connect() as conn:
        report = await STORE.verify(conn)
    assert report["ok"] and report["records_checked"] == 4 and report["head"]["hash"] == prev


async def test_writers_at_once_make_one_line(engine: AsyncEngine) -> None:
    writers = [
        append(engine, trail(f"r-{n}", ("area.update", None, {"n": [n, n + 1]})), Outcome.success, 200)
        for n in range(40)
    ]
    await asyncio.gather(*writers)

    rows = await stored(engine)
    assert len(rows) == 40
    assert len({r["prev_hash"] for r in rows}) == 40  # no two records link to the same one
    async with engine.connect() as conn:
        assert (await STORE.verify(conn))["ok"]
