"""A request still running after ``SLOW_REQUEST_S`` is logged once, with where it waits: the chain of
awaits of its task, innermost last. A streamed answer normally ends in seconds; one that runs on
without sending has a cause this names (a lock, a pool, a queue), which a client's timeout never does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

SLOW_REQUEST_S = 30.0
logger = logging.getLogger("fangpin.stalls")


def await_chain(awaitable: Any, limit: int = 60) -> Iterator[str]:
    """``file:line in function`` of each coroutine, generator or async generator the task awaits through."""
    for _ in range(limit):
        frame = (
            getattr(awaitable, "cr_frame", None)
            or getattr(awaitable, "gi_frame", None)
            or getattr(awaitable, "ag_frame", None)
        )
        if frame is not None:
            yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        following = (
            getattr(awaitable, "cr_await", None)
            or getattr(awaitable, "gi_yieldfrom", None)
            or getattr(awaitable, "ag_await", None)
        )
        if following is None:
            if awaitable is not None and frame is None:
                yield f"waiting on {type(awaitable).__name__}"
            return
        awaitable = following


def watch(part: str, method: str, path: str, query_names: list[str]) -> asyncio.TimerHandle | None:
    """Call ``cancel()`` on what this returns when the request ends."""
    task = asyncio.current_task()
    if task is None:
        return None

    def report() -> None:
        chain = "\n  ".join(await_chain(task.get_coro()))
        logger.warning(
            "%s %s (query: %s) still running after %g s in %s; it waits at:\n  %s",
            method,
            path,
            ", ".join(query_names) or "none",
            SLOW_REQUEST_S,
            part,
            chain,
        )

    return asyncio.get_running_loop().call_later(SLOW_REQUEST_S, report)
