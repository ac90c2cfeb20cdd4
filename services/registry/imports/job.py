"""One import job's run, wherever it runs (a child process of its own, or the serving process): the job
says it is running, the import holds the job's advisory lock while it works (a replica starting up
then sees the job is alive), progress is saved after every batch and the outcome at the end, and the
uploaded file is removed. A run that is cancelled marks the job interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from services.common.database import Database, raw_connection
from services.registry.disclosures import DisclosureGate
from services.registry.imports.service import COUNTS, ImportFileError, ImportReport, run_import
from services.registry.models import ImportJob
from services.registry.national_id import IdVault

logger = logging.getLogger("fangpin.registry.imports")

INTERRUPTED = "Interrupted by a shutdown; run the import again (it is idempotent)"
UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class JobOrder:
    """What to import and for whom: everything a job needs besides the database, the key and the gate."""

    job_id: uuid.UUID
    path: Path
    format: str
    dry_run: bool
    as_of: date | None
    scope_prefix: str
    actor_name: str

    def as_json(self) -> dict[str, Any]:
        return {
            "job_id": str(self.job_id),
            "path": str(self.path),
            "format": self.format,
            "dry_run": self.dry_run,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "scope_prefix": self.scope_prefix,
            "actor_name": self.actor_name,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobOrder:
        as_of = data["as_of"]
        return cls(
            job_id=uuid.UUID(data["job_id"]),
            path=Path(data["path"]),
            format=data["format"],
            dry_run=bool(data["dry_run"]),
            as_of=date.fromisoformat(as_of) if as_of else None,
            scope_prefix=data["scope_prefix"],
            actor_name=data["actor_name"],
        )


async def run_job(database: Database, vault: IdVault, order: JobOrder, gate: DisclosureGate | None) -> None:
    job_id = order.job_id
    await save_job(database, job_id, status="running", started_at=datetime.now(UTC))
    try:
        async with raw_connection(database.engine) as conn:
            await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", str(job_id))
            report = await run_import(
                conn,
                order.path,
                vault=vault,
                scope_prefix=order.scope_prefix,
                actor=f"import:{job_id}",
                actor_name=order.actor_name,
                fmt=order.format,
                dry_run=order.dry_run,
                progress=lambda r: save_job(database, job_id, **_progress(r)),
                more_connections=lambda: raw_connection(database.engine),
                gate=gate,
                as_of=order.as_of,
                job_id=job_id,
            )
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", str(job_id))
        # Stopped for want of disclosures: failed, saying why and when to run the file again.
        status = (
            {"status": "failed", "failure": report.stopped} if report.stopped else {"status": "succeeded"}
        )
        await save_job(database, job_id, **status, finished_at=datetime.now(UTC), **_progress(report))
    except ImportFileError as exc:
        await save_job(database, job_id, status="failed", failure=str(exc), finished_at=datetime.now(UTC))
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(end_unfinished(database, job_id, INTERRUPTED))
        raise
    except Exception as exc:  # noqa: BLE001 - the job records it; the service keeps running
        logger.exception("import job %s failed", job_id)
        failure = f"Internal error ({type(exc).__name__}); the import can be run again safely"
        await save_job(database, job_id, status="failed", failure=failure, finished_at=datetime.now(UTC))
    finally:
        await asyncio.to_thread(order.path.unlink, missing_ok=True)


async def save_job(database: Database, job_id: uuid.UUID, **values: object) -> None:
    async with database.sessionmaker() as session, session.begin():
        await session.execute(update(ImportJob).where(col(ImportJob.id) == job_id).values(**values))


async def end_unfinished(database: Database, job_id: uuid.UUID, failure: str) -> bool:
    """The job failed for ``failure`` unless it has already ended (whoever ran it may have told its
    outcome first); whether it was still unfinished."""
    async with database.sessionmaker() as session, session.begin():
        ended = await session.execute(
            update(ImportJob)
            .where(col(ImportJob.id) == job_id, col(ImportJob.status).in_(UNFINISHED))
            .values(status="failed", failure=failure, finished_at=datetime.now(UTC))
        )
    return bool(getattr(ended, "rowcount", 0))


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
