"""The rollups' deferral around a delivered batch of events (``services.common.rollups.ddl``): the
triggers only note the subjects (pairings, alerts) the batch touches, and each is counted once at its end."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.rollups.ddl import defer_statements, flush_sql
from services.monitoring.models import SCHEMA


async def defer_rollups(session: AsyncSession) -> None:
    for statement in defer_statements(SCHEMA):
        await session.execute(text(statement))


async def flush_rollups(session: AsyncSession) -> None:
    """Before the transaction commits: the noted subjects counted, once each."""
    await session.execute(text(flush_sql(SCHEMA)))
