"""Folding the rollups' rows in the background, one replica at a time (an advisory lock per schema)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.rollups.store import compact

logger = logging.getLogger("fangpin.rollups")
DEFAULT_INTERVAL_S = 60.0


class Compactor:
    def __init__(self, sessionmaker: async_sessionmaker, schema: str, interval_s: float) -> None:
        self.sessionmaker = sessionmaker
        self.schema = schema
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def compact_now(self) -> int:
        """Rows folded (0 when another replica is compacting right now)."""
        async with self.sessionmaker() as session, session.begin():
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": f"rollups:{self.schema}"}
            )
            return await compact(session, self.schema) if locked else 0

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                if folded := await self.compact_now():
                    logger.info("%s rollups: folded %d rows", self.schema, folded)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database that is away now may be back next time
                logger.exception("%s rollups: compaction failed; trying again later", self.schema)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"rollup-compaction-{self.schema}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def compaction_hooks(schema: str, interval_s: float = DEFAULT_INTERVAL_S):  # type: ignore[no-untyped-def]
    """Startup and shutdown hooks for ``create_part_app`` that run the compaction while the app lives."""

    async def start(app: FastAPI) -> None:
        app.state.rollup_compactor = Compactor(app.state.database.sessionmaker, schema, interval_s)
        app.state.rollup_compactor.start()

    async def stop(app: FastAPI) -> None:
        if (compactor := getattr(app.state, "rollup_compactor", None)) is not None:
            await compactor.stop()

    return start, stop
