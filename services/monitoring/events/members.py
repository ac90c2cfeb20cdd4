"""Who belongs to which household from when, kept from the registry's events (its
``monitoring:members`` feed): households registered and deleted, people registered, moved to another
household from a day, deceased or deleted. Monitoring counts a household's people from this
(``registry_members_on`` in sql/035_registry_members.sql) exactly as the registry counts its members;
each write here refreshes the rollups of the households it touches (triggers).

Only what counting needs is kept: ids and dates, no names or ID numbers. The feed comes in the order
the registry committed, so a person's registration arrives before the person's moves and death.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.calendar import CHINA
from services.common.events.inbox import IncomingEvent
from services.monitoring.models import RegistryHousehold, RegistryPerson, RegistryPersonMove


def _new(event: IncomingEvent, field: str) -> Any:
    """The new value of a field the event changed ({field: [old, new]}), or None."""
    changes: dict[str, list[Any]] = event.payload.get("changes") or {}
    return (changes.get(field) or [None, None])[1]


def _day(value: Any, event: IncomingEvent) -> date:
    """A date the event carries, else the China day it happened."""
    return date.fromisoformat(str(value)) if value else event.occurred_at.astimezone(CHINA).date()


def _entity(event: IncomingEvent) -> uuid.UUID:
    return uuid.UUID(str(event.payload["entity_id"]))


async def household_created(session: AsyncSession, event: IncomingEvent) -> None:
    registered_on = _day(_new(event, "registered_on"), event)
    statement = insert(RegistryHousehold).values(id=_entity(event), registered_on=registered_on)
    # A deletion that came first (on the pairings' feed) is kept.
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(RegistryHousehold.id)], set_={"registered_on": registered_on}
        )
    )


async def household_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    """Its people count no more, on any date (the registry counts a deleted household nowhere)."""
    statement = insert(RegistryHousehold).values(id=_entity(event), deleted=True)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[col(RegistryHousehold.id)], set_={"deleted": True})
    )


async def household_is_deleted(session: AsyncSession, household_id: uuid.UUID) -> bool:
    query = select(exists().where(col(RegistryHousehold.id) == household_id, col(RegistryHousehold.deleted)))
    return bool(await session.scalar(query))


async def person_created(session: AsyncSession, event: IncomingEvent) -> None:
    values = {
        "household_id": uuid.UUID(str(_new(event, "household_id"))),
        "registered_on": _day(_new(event, "registered_on"), event),
        "deceased_on": date.fromisoformat(d) if (d := _new(event, "deceased_on")) else None,
        "deleted": _new(event, "deleted_at") is not None,
    }
    statement = insert(RegistryPerson).values(id=_entity(event), **values)
    await session.execute(statement.on_conflict_do_nothing(index_elements=[col(RegistryPerson.id)]))


async def person_moved(session: AsyncSession, event: IncomingEvent) -> None:
    """From the day the move took effect (the event's ``effective_on``; it may be backdated)."""
    changes: dict[str, list[Any]] = event.payload.get("changes") or {}
    old, new = (uuid.UUID(str(h)) for h in changes["household_id"][:2])
    person = _entity(event)
    move = insert(RegistryPersonMove).values(
        event_id=event.id,
        person_id=person,
        from_household_id=old,
        to_household_id=new,
        effective_on=_day(event.payload.get("effective_on"), event),
    )
    await session.execute(move.on_conflict_do_nothing(index_elements=[col(RegistryPersonMove.event_id)]))
    await session.execute(
        update(RegistryPerson).where(col(RegistryPerson.id) == person).values(household_id=new)
    )


async def person_deceased(session: AsyncSession, event: IncomingEvent) -> None:
    """A date of death set, changed or taken back (``person.death_withdrawn``: None)."""
    deceased_on = date.fromisoformat(d) if (d := _new(event, "deceased_on")) else None
    await session.execute(
        update(RegistryPerson).where(col(RegistryPerson.id) == _entity(event)).values(deceased_on=deceased_on)
    )


async def person_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    """A mistaken registration: the person never counted."""
    await session.execute(
        update(RegistryPerson).where(col(RegistryPerson.id) == _entity(event)).values(deleted=True)
    )
