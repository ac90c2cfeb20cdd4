"""The registry's side of an import job run in a child process (``child``): the rows are read, checked,
indexed and encrypted there, on another core and under another GIL, so the requests this process
serves meanwhile do not wait behind them. The parent starts the child, hands it its order and waits.

At shutdown it closes the child's stdin (the child marks the job interrupted) and waits for it, then
kills it if it takes too long. A child that died (killed, out of memory) leaves the job failed, saying
so, never running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from services.common.database import Database
from services.registry.disclosures import DisclosureGate
from services.registry.imports.child import ChildOrder
from services.registry.imports.job import INTERRUPTED, JobOrder, end_unfinished
from services.registry.settings import RegistrySettings

logger = logging.getLogger("fangpin.registry.imports")

CHILD = "services.registry.imports.child"
# For a child told to stop (its batch rolls back, the job is marked): within the time a deployment gives
# the registry to stop after its requests' grace period (deploy/k8s: 35 s, 25 of them for requests).
STOP_PATIENCE_S = 5.0
AGAIN = "run the import again (it is idempotent)"


async def run_in_child(
    database: Database, settings: RegistrySettings, order: JobOrder, gate: DisclosureGate | None
) -> None:
    line = ChildOrder(
        database_url=settings.database_url or "",
        statement_timeout_ms=settings.statement_timeout_ms,
        national_id_key=settings.national_id_key or "",
        job=order,
        gate=gate.spec() if gate is not None else None,
    ).line()
    try:
        # Its own session: a Ctrl-C at the terminal reaches the server, which then stops the child.
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", CHILD, stdin=asyncio.subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        logger.exception("import job %s: its process could not start", order.job_id)
        await _ended(database, order, None, f"The import's process could not start ({exc}); {AGAIN}")
        return
    try:
        assert child.stdin is not None
        with contextlib.suppress(ConnectionError):  # a child that ended at once: its exit code tells
            child.stdin.write(line)
            await child.stdin.drain()
        code = await child.wait()
    except asyncio.CancelledError:  # the registry is stopping
        code = await _stop(child)
        await _ended(database, order, code, INTERRUPTED)
        raise
    await _ended(database, order, code, _death(code))


async def _stop(child: asyncio.subprocess.Process) -> int:
    if child.stdin is not None:
        child.stdin.close()  # the child's sign to stop
    try:
        return await asyncio.wait_for(child.wait(), STOP_PATIENCE_S)
    except TimeoutError:
        logger.error("an import's process did not stop within %.0f s; killed", STOP_PATIENCE_S)
        child.kill()
        return await child.wait()


async def _ended(database: Database, order: JobOrder, code: int | None, failure: str) -> None:
    """After the child: the file is gone, and a job the child did not end is failed for ``failure``."""
    await asyncio.to_thread(order.path.unlink, missing_ok=True)
    if await end_unfinished(database, order.job_id, failure):
        logger.error("import job %s (its process's exit code %s): %s", order.job_id, code, failure)


def _death(code: int) -> str:
    if code == -signal.SIGKILL:
        return f"The import's process was killed (SIGKILL: perhaps out of memory); {AGAIN}"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"The import's process was ended by {name}; {AGAIN}"
    return f"The import's process ended (exit code {code}) before the job did; {AGAIN}"
