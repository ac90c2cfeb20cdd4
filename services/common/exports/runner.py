"""Writing an export in the background, chunk by chunk, sealed, with its progress in the job row; and
letting go of files once they have been kept long enough."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.exports.sealing import ExportSeal, SealBroken
from services.common.exports.tables import CHUNKS, JOBS

if TYPE_CHECKING:
    from services.common.app_factory import AppHook

logger = logging.getLogger("fangpin.exports")
CHUNK_BYTES = 1024 * 1024  # of the file; every chunk but the last holds exactly this many (ranges)
EXPORT_KEPT_FOR = timedelta(hours=24)
SWEEP_INTERVAL_S = 600.0
# A job is past its time by the database's clock, the same for every replica and for the download.
EXPIRED = "created_at < now() - make_interval(secs => :kept_s)"
Partitions = AsyncIterable[Sequence[Any]]


def kept_s() -> dict[str, float]:
    return {"kept_s": EXPORT_KEPT_FOR.total_seconds()}


class ExportRunner:
    """One per service: starts export jobs as tasks, fails those a stopped process left running, and
    deletes files past their time (now and then, and at every new export)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        schema: str,
        seal: ExportSeal | None = None,
        sweep_interval_s: float = SWEEP_INTERVAL_S,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.schema = schema
        self.seal = seal or ExportSeal.passing(schema)
        self.sweep_interval_s = sweep_interval_s
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def fail_abandoned(self) -> None:
        """Jobs still 'running' when a service starts were cut off by a stop: say so and drop what they
        wrote; let go of old files, and of files this key cannot open. (With several replicas, a job
        another replica is writing would be marked too; its writer then fails it for good at its next
        chunk, and the user asks again.)"""
        async with self.sessionmaker() as session, session.begin():
            cut_off = await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET status = 'failed', finished_at = now(), "  # noqa: S608
                    "error = 'The export was interrupted by a restart; ask for it again' "
                    "WHERE status = 'running' AND created_at < now() - interval '1 minute' RETURNING id"
                )
            )
            await self._drop_chunks(session, [row.id for row in cut_off])
            await self.forget_expired(session)
        if self.seal.lasting:
            await self.purge_unreadable()

    async def forget_expired(self, session: Any) -> int:
        """Jobs past their time, with their files (the chunks go with their job)."""
        result = await session.execute(
            text(f"DELETE FROM {self.schema}.{JOBS} WHERE {EXPIRED}"),  # noqa: S608
            kept_s(),
        )
        return result.rowcount or 0

    async def sweep(self) -> int:
        """Files past their time deleted, by one replica at a time (0 when another is at it)."""
        async with self.sessionmaker() as session, session.begin():
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": f"exports:{self.schema}"}
            )
            return await self.forget_expired(session) if locked else 0

    async def purge_unreadable(self) -> int:
        """Jobs whose file this key cannot open: written in clear before files were sealed, or under a
        key since changed. Nobody can download them; a file in clear must not wait out its day."""
        async with self.sessionmaker() as session:
            ids = (await session.scalars(text(f"SELECT DISTINCT job_id FROM {self.schema}.{CHUNKS}"))).all()  # noqa: S608
        unreadable = []
        for job_id in ids:
            async with self.sessionmaker() as session:
                first = await session.scalar(
                    text(
                        f"SELECT data FROM {self.schema}.{CHUNKS} WHERE job_id = :id ORDER BY seq LIMIT 1"  # noqa: S608
                    ),
                    {"id": job_id},
                )
            try:
                if first is not None:
                    self.seal.open(job_id, 0, bytes(first))
            except SealBroken:
                unreadable.append(job_id)
        if unreadable:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    text(f"DELETE FROM {self.schema}.{JOBS} WHERE id = ANY(:ids)"),  # noqa: S608
                    {"ids": unreadable},
                )
            logger.warning("%s: deleted %d export files no key here can open", self.schema, len(unreadable))
        return len(unreadable)

    async def start(
        self,
        *,
        resource: str,
        file_name: str,
        media_type: str,
        requested_by: str,
        rows_total: int,
        partitions: Partitions,
        write: Callable[[Partitions], AsyncIterator[bytes]],
    ) -> uuid.UUID:
        job_id = uuid.uuid4()
        async with self.sessionmaker() as session, session.begin():
            await self.forget_expired(session)
            await session.execute(
                text(
                    f"INSERT INTO {self.schema}.{JOBS} (id, resource, file_name, media_type, "  # noqa: S608
                    "requested_by, status, rows_total) VALUES (:id, :resource, :file_name, :media_type, "
                    ":requested_by, 'running', :rows_total)"
                ),
                {
                    "id": job_id,
                    "resource": resource,
                    "file_name": file_name,
                    "media_type": media_type,
                    "requested_by": requested_by,
                    "rows_total": rows_total,
                },
            )
        task = asyncio.create_task(self._run(job_id, partitions, write), name=f"export-{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job_id

    async def _run(
        self, job_id: uuid.UUID, partitions: Partitions, write: Callable[[Partitions], AsyncIterator[bytes]]
    ) -> None:
        progress = _Progress()
        buffer, seq = bytearray(), 0
        try:
            async for data in write(progress.count(partitions)):
                buffer += data
                while len(buffer) >= CHUNK_BYTES:
                    await self._store(job_id, seq, bytes(buffer[:CHUNK_BYTES]), progress.rows)
                    del buffer[:CHUNK_BYTES]
                    seq += 1
            await self._store(job_id, seq, bytes(buffer), progress.rows, done=True)
        except asyncio.CancelledError:
            await self._fail(job_id, "The service stopped while writing the export; ask for it again")
            raise
        except Exception as exc:  # the job records the failure; the user asks again
            logger.exception("export %s failed", job_id)
            await self._fail(job_id, f"The export failed: {type(exc).__name__}")

    async def _store(self, job_id: uuid.UUID, seq: int, data: bytes, rows: int, done: bool = False) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                text(f"INSERT INTO {self.schema}.{CHUNKS} (job_id, seq, data) VALUES (:id, :seq, :data)"),  # noqa: S608
                {"id": job_id, "seq": seq, "data": self.seal.seal(job_id, seq, data)},
            )
            status = "'done', finished_at = now()" if done else "'running'"
            await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET rows_done = :rows, bytes = bytes + :size, "  # noqa: S608
                    f"status = {status} WHERE id = :id"
                ),
                {"id": job_id, "rows": rows, "size": len(data)},  # the file's size, not the sealed one's
            )

    async def _fail(self, job_id: uuid.UUID, reason: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            await self._drop_chunks(session, [job_id])
            await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET status = 'failed', error = :reason, "  # noqa: S608
                    "finished_at = now() WHERE id = :id"
                ),
                {"id": job_id, "reason": reason},
            )

    async def _drop_chunks(self, session: Any, job_ids: list[uuid.UUID]) -> None:
        if job_ids:
            chunks = text(f"DELETE FROM {self.schema}.{CHUNKS} WHERE job_id = ANY(:ids)")  # noqa: S608
            await session.execute(chunks, {"ids": job_ids})

    def start_sweeping(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_now_and_then(), name=f"export-sweep-{self.schema}")

    async def _sweep_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval_s)
            try:
                if swept := await self.sweep():
                    logger.info("%s: deleted %d export files past their time", self.schema, swept)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database that is away now may be back next time
                logger.exception("%s: export files not swept; trying again later", self.schema)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class _Progress:
    def __init__(self) -> None:
        self.rows = 0

    async def count(self, partitions: Partitions) -> Partitions:
        async for rows in partitions:
            self.rows += len(rows)
            yield rows


def export_hooks(schema: str) -> tuple[AppHook, AppHook]:
    """Startup and shutdown hooks for ``create_part_app``: the service's export runner, as
    ``app.state.export_runner``, sealing with the part's key and sweeping expired files."""

    async def start(app: Any) -> None:
        seal = ExportSeal.from_settings(app.state.settings, schema)
        app.state.export_runner = runner = ExportRunner(app.state.database.sessionmaker, schema, seal)
        try:
            await runner.fail_abandoned()
        except (SQLAlchemyError, OSError) as exc:
            # A schema not yet migrated (readiness says so) or a database not yet up: the service still
            # starts; jobs a stop cut off are marked at the next start, old files at the next sweep.
            logger.warning("%s: export jobs not checked at start: %s", schema, type(exc).__name__)
        runner.start_sweeping()

    async def stop(app: Any) -> None:
        if (runner := getattr(app.state, "export_runner", None)) is not None:
            await runner.stop()

    return start, stop
