"""The pool's check of a connection before a session uses it: one round trip, and a dead one replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.database import create_engine
from tests.support.system import Database


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database.app_url, part="pool-test", pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def test_the_check_before_each_session_is_one_statement(engine: AsyncEngine) -> None:
    sent: list[str] = []
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        driver.add_query_logger(lambda query: sent.append(query.query))
    async with engine.connect() as connection:  # the same pooled connection, checked before use
        assert await connection.scalar(text("SELECT 41 + 1")) == 42
    # Before the session's own transaction, the check alone. (SQLAlchemy's own check sends BEGIN, a
    # query and ROLLBACK: three round trips before every session. The logger sees simple queries only.)
    assert sent[: sent.index("BEGIN;")] == ["SELECT 1"], sent


async def test_a_connection_the_server_ended_is_replaced_before_a_session_uses_it(
    engine: AsyncEngine, database: Database
) -> None:
    async with engine.connect() as connection:
        ended = await connection.scalar(text("SELECT pg_backend_pid()"))
    owner = await asyncpg.connect(database.owner_url)
    try:
        assert await owner.fetchval("SELECT pg_terminate_backend($1)", ended)
    finally:
        await owner.close()
    async with engine.connect() as connection:  # no error: the check found it dead and connected anew
        assert await connection.scalar(text("SELECT pg_backend_pid()")) != ended
