"""Compacting the change log in the background: every hour, the rows older than the sync horizon move
to the history table (``sql/025_change_log_compaction.sql``), so the log the feeds read stays bounded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.registry.sync import repository as sql

logger = logging.getLogger("fangpin.sync")
INTERVAL_S = 3600.0


async def compact_change_log(sessionmaker: async_sessionmaker[AsyncSession], before: datetime) -> int:
    """Rows older than ``before`` moved (replicas take turns: the function takes an advisory lock)."""
    async with sessionmaker() as session, session.begin():
        return await sql.compact(session, before)


async def _run(sessionmaker: async_sessionmaker[AsyncSession], horizon_days: int) -> None:
    while True:
        try:
            before = datetime.now(UTC) - timedelta(days=horizon_days)
            if moved := await compact_change_log(sessionmaker, before):
                logger.info("change log: %d rows older than %d days moved to history", moved, horizon_days)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database that is away now may be back next time
            logger.exception("change log compaction failed; trying again later")
        await asyncio.sleep(INTERVAL_S)


async def start_log_compaction(app: FastAPI) -> None:
    sessionmaker = app.state.database.sessionmaker
    horizon_days = app.state.settings.sync_horizon_days
    app.state.change_log_compaction = asyncio.create_task(
        _run(sessionmaker, horizon_days), name="change-log-compaction"
    )


async def stop_log_compaction(app: FastAPI) -> None:
    task = getattr(app.state, "change_log_compaction", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
