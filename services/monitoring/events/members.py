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
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.calendar import CHINA
from services.common.events.inbox import Handler, IncomingEvent
from services.monitoring.models import RegistryHousehold, RegistryPerson, RegistryPersonMove

PENDING = "registry_members_pending"  # the session's info key


def _new(event: IncomingEvent, field: str) -> Any:
    """The new value of a field the event changed ({field: [old, new]}), or None."""
    changes: dict[str, list[Any]] = event.payload.get("changes") or {}
    return (changes.get(field) or [None, None])[1]


def _day(value: Any, event: IncomingEvent) -> date:
    """A date the event carries, else the China day it happened."""
    return date.fromisoformat(str(value)) if value else event.occurred_at.astimezone(CHINA).date()


def _entity(event: IncomingEvent) -> uuid.UUID:
    return uuid.UUID(str(event.payload["entity_id"]))


@dataclass
class _Pending:
    """A delivery's member events, written at its end (``flush``): the registrations in one statement
    per table (a replay of a county's history is millions of them), then the rest in order."""

    households: dict[uuid.UUID, date] = field(default_factory=dict)
    people: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    then: list[tuple[Handler, IncomingEvent]] = field(default_factory=list)


def _pending(session: AsyncSession) -> _Pending:
    pending: _Pending = session.info.setdefault(PENDING, _Pending())
    return pending


async def household_created(session: AsyncSession, event: IncomingEvent) -> None:
    _pending(session).households[_entity(event)] = _day(_new(event, "registered_on"), event)


async def person_created(session: AsyncSession, event: IncomingEvent) -> None:
    _pending(session).people[_entity(event)] = {
        "household_id": uuid.UUID(str(_new(event, "household_id"))),
        "registered_on": _day(_new(event, "registered_on"), event),
        "deceased_on": date.fromisoformat(d) if (d := _new(event, "deceased_on")) else None,
        "deleted": _new(event, "deleted_at") is not None,
    }


def later(write: Handler) -> Handler:
    """A change of something registered: written after the delivery's registrations, in order (a
    registration always comes before the changes of what it registered)."""

    async def note(session: AsyncSession, event: IncomingEvent) -> None:
        _pending(session).then.append((write, event))

    return note


async def flush(session: AsyncSession) -> None:
    """Before the delivery's transaction commits."""
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None:
        return
    if pending.households:
        rows = [{"id": h, "registered_on": day} for h, day in pending.households.items()]
        statement = insert(RegistryHousehold).values(rows)
        # A deletion that came first (on the pairings' feed) is kept.
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[col(RegistryHousehold.id)],
                set_={"registered_on": statement.excluded.registered_on},
            )
        )
    if pending.people:
        rows = [{"id": p} | values for p, values in pending.people.items()]
        statement = insert(RegistryPerson).values(rows)
        await session.execute(statement.on_conflict_do_nothing(index_elements=[col(RegistryPerson.id)]))
    for write, event in pending.then:
        await write(session, event)


async def household_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    """Its people count no more, on any date (the registry counts a deleted household nowhere)."""
    statement = insert(RegistryHousehold).values(id=_entity(event), deleted=True)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[col(RegistryHousehold.id)], set_={"deleted": True})
    )


async def household_is_deleted(session: AsyncSession, household_id: uuid.UUID) -> bool:
    query = select(exists().where(col(RegistryHousehold.id) == household_id, col(RegistryHousehold.deleted)))
    return bool(await session.scalar(query))


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
