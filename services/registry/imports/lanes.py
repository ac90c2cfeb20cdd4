"""Import batches written side by side, each on its own connection, in its own transaction.

The database does most of an import's work, one core per connection: two connections write faster
where the server has the cores. Two batches that share a household never run at once: a batch reads
the households it has just written (its people join them by number), and it could not see the
other's before that one commits. A batch the database chose as a deadlock victim is run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import asyncpg

Work = Callable[[asyncpg.Connection], Awaitable[Any]]
DEADLOCK_RETRIES = 3


class Lanes:
    def __init__(self, connections: list[asyncpg.Connection]) -> None:
        self.idle = list(connections)
        self.running: dict[asyncio.Task, frozenset[str]] = {}  # each batch's household numbers

    async def submit(self, households: frozenset[str], work: Work) -> None:
        """Start ``work`` on a free connection once no running batch shares a household with it.
        Raises the error of any batch that failed meanwhile."""
        while not self.idle or any(households & other for other in self.running.values()):
            await self._one_done()
        connection = self.idle.pop()
        self.running[asyncio.create_task(self._run(connection, work))] = households

    async def drain(self) -> None:
        while self.running:
            await self._one_done()

    async def _run(self, connection: asyncpg.Connection, work: Work) -> None:
        try:
            for attempt in range(DEADLOCK_RETRIES + 1):
                try:
                    return await work(connection)
                except asyncpg.DeadlockDetectedError:
                    if attempt == DEADLOCK_RETRIES:
                        raise
                    await asyncio.sleep(0.05 * (attempt + 1))  # the other transaction goes first
        finally:
            self.idle.append(connection)

    async def _one_done(self) -> None:
        done, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            del self.running[task]
        for task in done:
            task.result()

    async def __aenter__(self) -> Lanes:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """After a failure the other batches are stopped (each rolls back); a connection is not handed
        back while a batch still runs on it."""
        if kind is not None:
            for task in self.running:
                task.cancel()
        await asyncio.gather(*self.running, return_exceptions=kind is not None)
        self.running.clear()
