"""The cadres' pairings with households, kept from the registry's events: a pairing made or changed (it
ended), a household moved to another village or deleted. Visit compliance is counted against them
(``visits.rollups``); each write here refreshes the counts of the pairings it touches (triggers).

The registry logs each pairing with its household's village at that moment, and the relay delivers the
registry's events in the order they happened, so a later move of the household arrives after it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.events.inbox import IncomingEvent
from services.monitoring.events import members
from services.monitoring.models import Pairing

FIELDS = ("cadre_id", "household_id", "starts_on", "ends_on")


def _new_values(changes: dict[str, list[Any]]) -> dict[str, Any]:
    """The pairing's fields an event sets ({field: [old, new]}), typed."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name in changes:
            new = changes[name][1]
            if name.endswith("_id"):
                values[name] = uuid.UUID(str(new))
            else:
                values[name] = date.fromisoformat(new) if new is not None else None
    return values


async def pairing_made(session: AsyncSession, event: IncomingEvent) -> None:
    values = _new_values(event.payload.get("changes") or {}) | {"area_code": event.area_code}
    values.setdefault("ends_on", None)
    values["updated_at"] = func.now()
    # The household's deletion may have come first, on the registry's other feed (events.members).
    if "household_id" in values and await members.household_is_deleted(session, values["household_id"]):
        values["household_deleted"] = True
    pairing_id = uuid.UUID(event.payload["entity_id"])
    statement = insert(Pairing).values(id=pairing_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=[col(Pairing.id)], set_=values))


async def pairing_changed(session: AsyncSession, event: IncomingEvent) -> None:
    values = _new_values(event.payload.get("changes") or {}) | {"area_code": event.area_code}
    values["updated_at"] = func.now()
    await session.execute(
        update(Pairing).where(col(Pairing.id) == uuid.UUID(event.payload["entity_id"])).values(**values)
    )


async def household_moved(session: AsyncSession, event: IncomingEvent) -> None:
    household = uuid.UUID(event.payload["entity_id"])
    await session.execute(
        update(Pairing)
        .where(col(Pairing.household_id) == household, col(Pairing.area_code) != event.area_code)
        .values(area_code=event.area_code, updated_at=func.now())
    )


async def household_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    household = uuid.UUID(event.payload["entity_id"])
    await session.execute(
        update(Pairing)
        .where(col(Pairing.household_id) == household, col(Pairing.household_deleted).is_(False))
        .values(household_deleted=True, updated_at=func.now())
    )
