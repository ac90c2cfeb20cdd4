"""An import job in a process of its own: ``python -m services.registry.imports.child``.

The registry writes the job's order to the child's stdin as one JSON line — the database URL and the
national ID key among it, so never on a command line, where any user of the machine could read them —
and keeps stdin open. The child runs the job (``job.run_job``) on database connections of its own, with
the caller's disclosure gate rebuilt from the order, and stops (the job marked interrupted) when its
stdin closes: the registry is stopping, or has died. SIGTERM stops it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any

from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.database import Database, create_engine
from services.common.logging import configure_logging
from services.common.settings import RuntimeSettings
from services.registry.disclosures import DisclosureGate
from services.registry.imports.job import INTERRUPTED, JobOrder, end_unfinished, run_job
from services.registry.imports.service import WRITERS
from services.registry.models import SCHEMA
from services.registry.national_id import IdVault

STOPPED = 3  # the exit code of a child told to stop before its job ended


@dataclass(frozen=True)
class ChildOrder:
    database_url: str
    statement_timeout_ms: int
    national_id_key: str
    job: JobOrder
    gate: dict[str, Any] | None  # DisclosureGate.spec(), or no gate

    def line(self) -> bytes:
        order = {
            "database_url": self.database_url,
            "statement_timeout_ms": self.statement_timeout_ms,
            "national_id_key": self.national_id_key,
            "job": self.job.as_json(),
            "gate": self.gate,
        }
        return json.dumps(order, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> ChildOrder:
        order = json.loads(line)
        return cls(
            database_url=order["database_url"],
            statement_timeout_ms=int(order["statement_timeout_ms"]),
            national_id_key=order["national_id_key"],
            job=JobOrder.from_json(order["job"]),
            gate=order["gate"],
        )


async def _run(order: ChildOrder, stop: asyncio.Event) -> int:
    engine = create_engine(
        order.database_url,
        part="registry-import",
        pool_size=WRITERS + 1,  # the writers' connections and the progress saved beside them
        max_overflow=2,
        statement_timeout_ms=order.statement_timeout_ms,
    )
    database = Database(engine, "registry")
    try:
        gate = None
        if order.gate is not None:
            store = AuditStore(audit_table(SCHEMA), chain="registry")
            gate = DisclosureGate.rebuilt(order.gate, database.sessionmaker, store)
        vault = IdVault.from_setting(order.national_id_key)
        job = asyncio.create_task(run_job(database, vault, order.job, gate))
        told = asyncio.create_task(stop.wait())
        await asyncio.wait({job, told}, return_when=asyncio.FIRST_COMPLETED)
        told.cancel()
        if job.done():
            job.result()
            return 0
        job.cancel()  # the job marks itself interrupted, lets go of its lock and removes the file
        with contextlib.suppress(asyncio.CancelledError):
            await job
        await end_unfinished(database, order.job.job_id, INTERRUPTED)  # had its own marking been cut short
        return STOPPED
    finally:
        await database.dispose()


async def _main(order: ChildOrder) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def stop_at_end_of_stdin() -> None:
        # Nothing more is sent: this returns when the registry closes the pipe. The file descriptor, not
        # sys.stdin, whose lock this thread would still hold when the interpreter closes it at exit.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        with contextlib.suppress(RuntimeError):  # the loop has closed: the job ended meanwhile
            loop.call_soon_threadsafe(stop.set)

    # A thread, not the event loop: stdin may be any file (a pipe from the registry, or not).
    threading.Thread(target=stop_at_end_of_stdin, name="stdin-watch", daemon=True).start()
    return await _run(order, stop)


def _first_line(fd: int) -> bytes:
    """The order, read from the file descriptor byte by byte, as its end is watched for: no buffer in
    between holds what the other reader would not see."""
    line = bytearray()
    while (byte := os.read(fd, 1)) and byte != b"\n":
        line += byte
    return bytes(line)


def main() -> int:
    runtime = RuntimeSettings()
    configure_logging(runtime.log_level, runtime.log_json)
    line = _first_line(sys.stdin.fileno())
    if not line.strip():
        print("fangpin import child: no order on stdin (the registry starts this process)", file=sys.stderr)
        return 2
    return asyncio.run(_main(ChildOrder.from_line(line)))


if __name__ == "__main__":
    sys.exit(main())
