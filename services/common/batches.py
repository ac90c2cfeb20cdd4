"""What the batch endpoints share about one item, below the intake (services/common/intake): turns for
the other requests while a batch is worked through, an item's id before it is known to be valid, which
answer a refusal is, and how the single-item endpoint answers an item the batch intake judged."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel

from services.common.errors import Conflict, FangpinError, Forbidden, ValidationFailed

T = TypeVar("T")

# Items worked through before the other requests on the event loop get a turn. Checking a batch is
# pure CPU; in one go (tens of milliseconds) it would hold up a request that has taken its part's audit
# lock and waits only to commit, and with it every other writer.
TURN_EVERY = 50


async def in_turns(items: Iterable[T], every: int = TURN_EVERY) -> AsyncIterator[T]:
    for count, item in enumerate(items, 1):
        yield item
        if count % every == 0:
            await asyncio.sleep(0)


def raw_item_id(raw: Any) -> uuid.UUID | None:
    """The item's id as sent, if it is one, so that even an invalid item is answered by its id."""
    if isinstance(raw, BaseModel):
        return getattr(raw, "id", None)
    try:
        return uuid.UUID(raw.get("id")) if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    except ValueError:
        return None


def refusal_status(exc: FangpinError) -> str:
    return (
        "conflict" if isinstance(exc, Conflict) else "forbidden" if isinstance(exc, Forbidden) else "invalid"
    )


def answer_single(item: Any, response: Response) -> None:
    """200 for a retry; a refused item's own problem raised as the response (a new one stays 201)."""
    if item.status == "duplicate":
        response.status_code = 200
    elif item.error is not None:
        error = {"conflict": Conflict, "forbidden": Forbidden}.get(item.status, ValidationFailed)
        problem = dict(item.error)
        detail, code = problem.pop("detail"), problem.pop("code")
        for key in ("type", "title", "status"):
            problem.pop(key, None)
        raise error(detail, code=code, **problem)
