"""The consuming side: events arrive in batches from another service's relay; each is handled once.

The inbox row and the handler's writes share the request's transaction: a repeat (a relay retry, a
batch sent twice) finds its id already there and changes nothing; a failure rolls back both, and the
relay sends the batch again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events.outbox import INBOX_TABLE
from services.common.fields import AREA_CODE_PATTERN


class IncomingEvent(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=64)
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    occurred_at: datetime
    payload: dict[str, Any]
    subject_id: uuid.UUID | None = None


class EventDelivery(BaseModel):
    source: str = Field(min_length=1, max_length=32)
    events: list[IncomingEvent] = Field(max_length=1000)


class DeliveryReceipt(BaseModel):
    handled: int = Field(description="New events this service acted on")
    repeats: int = Field(description="Events it had already taken in: no effect")
    ignored: int = Field(description="New events of a type it does not act on (recorded all the same)")


Handler = Callable[[AsyncSession, IncomingEvent], Awaitable[None]]


async def take_in(
    session: AsyncSession,
    schema: str,
    delivery: EventDelivery,
    handlers: Mapping[tuple[str, str], Handler],
) -> DeliveryReceipt:
    """Record each event once and run the handler for its (source, type), in the batch's order. The
    batch's ids are recorded in one statement (a replay of another service's history is millions)."""
    record = text(
        f"INSERT INTO {schema}.{INBOX_TABLE} (source, event_id, event_type) "  # noqa: S608 - own constant
        "SELECT :source, e.id, e.type FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) "
        "AS e (id, type) ON CONFLICT DO NOTHING RETURNING event_id"
    )
    events = delivery.events
    params = {"source": delivery.source, "ids": [e.id for e in events], "types": [e.type for e in events]}
    new = set((await session.execute(record, params)).scalars()) if events else set()
    handled = repeats = ignored = 0
    for event in events:
        if event.id not in new:
            repeats += 1
            continue
        new.discard(event.id)  # the same id twice in one batch: the second is a repeat
        handler = handlers.get((delivery.source, event.type))
        if handler is None:
            ignored += 1
            continue
        await handler(session, event)
        handled += 1
    return DeliveryReceipt(handled=handled, repeats=repeats, ignored=ignored)
