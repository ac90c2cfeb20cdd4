"""Folding the rollups' rows in the background, one replica at a time (an advisory lock per schema), and
refreshing the subjects a write marked stale (a batch per transaction)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from services.common.rollups.store import compact, refresh_stale_batch

if TYPE_CHECKING:
    from services.common.app_factory import AppHook

logger = logging.getLogger("fangpin.rollups")
DEFAULT_INTERVAL_S = 60.0
STALE_CHECK_S = 5.0
# Two compactions of one schema at once would fold the same rows twice (or deadlock): one at a time.
LOCK_KEY = "hashtext('rollups:' || :k)"


async def compact_exclusively(connection: AsyncConnection, schema: str) -> int:
    """``compact`` in the caller's transaction, once no replica is compacting (waits for it)."""
    await connection.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"), {"k": schema})
    return await compact(connection, schema)


class Compactor:
    """``stale``: the schema keeps a list of stale subjects (``rollup_stale``) to refresh as well."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        schema: str,
        interval_s: float,
        *,
        stale: bool = False,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.schema = schema
        self.interval_s = interval_s
        self.stale = stale
        self._task: asyncio.Task[None] | None = None

    async def compact_now(self) -> int:
        """Rows folded (0 when another replica is compacting right now)."""
        async with self.sessionmaker() as session, session.begin():
            locked = await session.scalar(
                text(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY})"), {"k": self.schema}
            )
            return await compact(session, self.schema) if locked else 0

    async def refresh_stale_now(self) -> int:
        """Subjects refreshed, until none is left (other replicas skip the batches taken here)."""
        done = 0
        while self.stale:
            async with self.sessionmaker() as session, session.begin():
                taken = await refresh_stale_batch(session, self.schema)
            if not taken:
                break
            done += taken
        return done

    async def _run(self) -> None:
        # Stale subjects are looked for more often than rows are folded: a new threshold version should
        # show in the reports within seconds of its recount, not a minute later.
        tick = min(STALE_CHECK_S, self.interval_s) if self.stale else self.interval_s
        waited = 0.0
        while True:
            await asyncio.sleep(tick)
            waited += tick
            try:
                if refreshed := await self.refresh_stale_now():
                    logger.info("%s rollups: refreshed %d stale subjects", self.schema, refreshed)
                if waited < self.interval_s:
                    continue
                waited = 0.0
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


def compaction_hooks(
    schema: str, interval_s: float = DEFAULT_INTERVAL_S, *, stale: bool = False
) -> tuple[AppHook, AppHook]:
    """Startup and shutdown hooks for ``create_part_app`` that run the compaction while the app lives."""

    async def start(app: FastAPI) -> None:
        sessionmaker = app.state.database.sessionmaker
        app.state.rollup_compactor = Compactor(sessionmaker, schema, interval_s, stale=stale)
        app.state.rollup_compactor.start()

    async def stop(app: FastAPI) -> None:
        if (compactor := getattr(app.state, "rollup_compactor", None)) is not None:
            await compactor.stop()

    return start, stop
