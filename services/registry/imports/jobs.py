"""Running imports as background jobs of the registry: progress is saved after every batch.

Each job runs in a child process of its own (``process``), or with ``import_mode = "inline"`` as a task
of this process (``job``). A job that a restart interrupts is marked failed with that reason; running
the same file again is safe (the import is idempotent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy import text

from services.common.database import Database
from services.registry.disclosures import DisclosureGate
from services.registry.imports.job import JobOrder, run_job
from services.registry.imports.process import run_in_child
from services.registry.models import ImportJob
from services.registry.national_id import IdVault
from services.registry.settings import RegistrySettings


class ImportRunner:
    def __init__(self, database: Database, vault: IdVault, settings: RegistrySettings) -> None:
        self.database = database
        self.vault = vault
        self.settings = settings  # read at each start: tests switch the mode of a running system
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
        order = JobOrder(job.id, path, job.format, job.dry_run, job.as_of, scope_prefix, actor_name)
        run: Coroutine[Any, Any, None]
        if self.settings.import_mode == "process":
            run = run_in_child(self.database, self.settings, order, gate)
        else:
            run = run_job(self.database, self.vault, order, gate)
        task = asyncio.create_task(run)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        """At shutdown: every job stops, marked interrupted (a child process is told and waited for)."""
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
