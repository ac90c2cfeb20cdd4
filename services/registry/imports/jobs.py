"""Running imports as background jobs inside the registry: progress is saved after every batch.

A job that a restart interrupts is marked failed with that reason; running the same file again is
safe (the import is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text, update
from sqlmodel import col

from services.common.database import Database, raw_connection
from services.registry.disclosures import DisclosureGate
from services.registry.imports.service import COUNTS, ImportFileError, ImportReport, run_import
from services.registry.models import ImportJob
from services.registry.national_id import IdVault

logger = logging.getLogger("fangpin.registry.imports")


@dataclass(frozen=True)
class _Options:
    format: str
    dry_run: bool
    as_of: date | None


class ImportRunner:
    def __init__(self, database: Database, vault: IdVault) -> None:
        self.database = database
        self.vault = vault
        self.tasks: set[asyncio.Task] = set()

    def start(
        self,
        job: ImportJob,
        path: Path,
        scope_prefix: str,
        actor_name: str,
        gate: DisclosureGate | None = None,
    ) -> None:
        """``gate``: the caller's allowance of answers about numbers registered outside its area."""
        if gate is not None:
            gate.context = {"import_job": str(job.id), "dry_run": job.dry_run}
        options = _Options(job.format, job.dry_run, job.as_of)
        run = self._run(job.id, path, options, scope_prefix, actor_name, gate)
        task = asyncio.create_task(run)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(
        self,
        job_id: uuid.UUID,
        path: Path,
        options: _Options,
        scope_prefix: str,
        actor_name: str,
        gate: DisclosureGate | None,
    ) -> None:
        await self._save(job_id, status="running", started_at=datetime.now(UTC))
        try:
            async with raw_connection(self.database.engine) as conn:
                # Held while the job runs: another replica starting up sees the job is alive.
                await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", str(job_id))
                report = await run_import(
                    conn,
                    path,
                    vault=self.vault,
                    scope_prefix=scope_prefix,
                    actor=f"import:{job_id}",
                    actor_name=actor_name,
                    fmt=options.format,
                    dry_run=options.dry_run,
                    progress=lambda r: self._save(job_id, **_progress(r)),
                    more_connections=lambda: raw_connection(self.database.engine),
                    gate=gate,
                    as_of=options.as_of,
                    job_id=job_id,
                )
                await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", str(job_id))
            # Stopped for want of disclosures: failed, saying why and when to run the file again.
            status = (
                {"status": "failed", "failure": report.stopped} if report.stopped else {"status": "succeeded"}
            )
            await self._save(job_id, **status, finished_at=datetime.now(UTC), **_progress(report))
        except ImportFileError as exc:
            await self._save(job_id, status="failed", failure=str(exc), finished_at=datetime.now(UTC))
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._interrupted(job_id))
            raise
        except Exception as exc:  # noqa: BLE001 - the job records it; the service keeps running
            logger.exception("import job %s failed", job_id)
            failure = f"Internal error ({type(exc).__name__}); the import can be run again safely"
            await self._save(job_id, status="failed", failure=failure, finished_at=datetime.now(UTC))
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def _interrupted(self, job_id: uuid.UUID) -> None:
        failure = "Interrupted by a shutdown; run the import again (it is idempotent)"
        await self._save(job_id, status="failed", failure=failure, finished_at=datetime.now(UTC))

    async def _save(self, job_id: uuid.UUID, **values: object) -> None:
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(update(ImportJob).where(col(ImportJob.id) == job_id).values(**values))

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def fail_abandoned(self) -> None:
        """At start: jobs left running by a process that died cannot be resumed; say so."""
        failure = "Interrupted by a restart; run the import again (it is idempotent)"
        async with self.database.sessionmaker() as session, session.begin():
            # A job whose lock nobody holds has no process running it any more.
            await session.execute(
                text(
                    "UPDATE registry.import_jobs "
                    "SET status = 'failed', failure = :failure, finished_at = now() "
                    "WHERE status IN ('queued', 'running') AND created_at < now() - interval '1 minute' "
                    "AND pg_try_advisory_xact_lock(hashtextextended(id::text, 0))"
                ),
                {"failure": failure},
            )


def _progress(report: ImportReport) -> dict[str, object]:
    values = asdict(report)
    return {
        "rows_total": report.rows_total,
        "rows_done": report.rows_done,
        "rows_ok": report.rows_ok,
        "rows_bad": report.rows_bad,
        "errors": report.errors,
        "counts": {key: values[key] for key in COUNTS},
    }
