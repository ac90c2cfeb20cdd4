"""Writing an export in the background, chunk by chunk, with its progress in the job row."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.exports.tables import CHUNKS, JOBS

logger = logging.getLogger("fangpin.exports")
CHUNK_BYTES = 1024 * 1024
EXPORT_KEPT_FOR = timedelta(hours=24)
Partitions = AsyncIterator[Sequence[Any]]


class ExportRunner:
    """One per service: starts export jobs as tasks, and fails those a stopped process left running."""

    def __init__(self, sessionmaker: async_sessionmaker, schema: str) -> None:
        self.sessionmaker = sessionmaker
        self.schema = schema
        self._tasks: set[asyncio.Task[None]] = set()

    async def fail_abandoned(self) -> None:
        """Jobs still 'running' when a service starts were cut off by a stop: say so, and let go of old
        files. (With several replicas, a job another replica is writing would be marked too; its
        writer then fails it for good at its next chunk, and the user asks again.)"""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET status = 'failed', finished_at = now(), "  # noqa: S608
                    "error = 'The export was interrupted by a restart; ask for it again' "
                    "WHERE status = 'running' AND created_at < now() - interval '1 minute'"
                )
            )
            await self.forget_old(session)

    async def forget_old(self, session: Any) -> None:
        await session.execute(
            text(f"DELETE FROM {self.schema}.{JOBS} WHERE created_at < :before"),  # noqa: S608
            {"before": _now_minus(EXPORT_KEPT_FOR)},
        )

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
            await self.forget_old(session)
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
                if len(buffer) >= CHUNK_BYTES:
                    await self._store(job_id, seq, bytes(buffer), progress.rows)
                    buffer.clear()
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
                {"id": job_id, "seq": seq, "data": data},
            )
            status = "'done', finished_at = now()" if done else "'running'"
            await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET rows_done = :rows, bytes = bytes + :size, "  # noqa: S608
                    f"status = {status} WHERE id = :id"
                ),
                {"id": job_id, "rows": rows, "size": len(data)},
            )

    async def _fail(self, job_id: uuid.UUID, reason: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            chunks = text(f"DELETE FROM {self.schema}.{CHUNKS} WHERE job_id = :id")  # noqa: S608
            await session.execute(chunks, {"id": job_id})
            await session.execute(
                text(
                    f"UPDATE {self.schema}.{JOBS} SET status = 'failed', error = :reason, "  # noqa: S608
                    "finished_at = now() WHERE id = :id"
                ),
                {"id": job_id, "reason": reason},
            )

    async def stop(self) -> None:
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


def _now_minus(period: timedelta) -> datetime:
    return datetime.now(UTC) - period


def export_hooks(schema: str):  # type: ignore[no-untyped-def]
    """Startup and shutdown hooks for ``create_part_app``: the service's export runner, as
    ``app.state.export_runner``."""

    async def start(app: Any) -> None:
        app.state.export_runner = ExportRunner(app.state.database.sessionmaker, schema)
        try:
            await app.state.export_runner.fail_abandoned()
        except (SQLAlchemyError, OSError) as exc:
            # A schema not yet migrated (readiness says so) or a database not yet up: the service still
            # starts; jobs a stop cut off are marked at the next start.
            logger.warning("%s: export jobs not checked at start: %s", schema, type(exc).__name__)

    async def stop(app: Any) -> None:
        if (runner := getattr(app.state, "export_runner", None)) is not None:
            await runner.stop()

    return start, stop
