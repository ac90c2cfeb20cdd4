"""Children from the registry's member events: a person registered young enough to be of school age
now or later becomes a child of the ledger, with name, birth date and village (never the ID number);
moves, deaths and deletions follow, in the registry's order. A delivery's registrations are written
together (a county's first delivery is thousands of them): before its end, or before any other change
of a child in it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.area_codes import is_village
from services.common.calendar import CHINA
from services.common.events.inbox import Handler, IncomingEvent
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.repository import ChildRepository, years_before
from services.monitoring.schools.schemas import SCHOOL_AGE, StudyPlace

OUT = StudyPlace.not_in_school.value
PENDING = "monitoring.schools.registered"  # session.info: the delivery's registrations, by person


async def flush(session: AsyncSession) -> None:
    """The registrations noted so far, written (the last of a person's wins, as consecutive writes would)."""
    pending: dict[uuid.UUID, dict[str, Any]] | None = session.info.pop(PENDING, None)
    if pending:
        await ChildRepository(session).registered(list(pending.values()))


def _new(event: IncomingEvent, name: str) -> Any:
    changes: dict[str, list[Any]] = event.payload.get("changes") or {}
    return (changes.get(name) or [None, None])[1]


def _person(event: IncomingEvent) -> uuid.UUID:
    return uuid.UUID(str(event.payload["entity_id"]))


def _day(event: IncomingEvent) -> date:
    return event.occurred_at.astimezone(CHINA).date()


async def person_created(session: AsyncSession, event: IncomingEvent) -> None:
    born, household = _new(event, "birth_date"), _new(event, "household_id")
    if not born or not household or not is_village(event.area_code):
        return
    birth_date = date.fromisoformat(str(born))
    if birth_date <= years_before(_day(event), SCHOOL_AGE[1] + 1):
        return  # past school age already: never a child of the ledger
    deceased = _new(event, "deceased_on")
    left_on = date.fromisoformat(str(deceased)) if deceased else None
    if _new(event, "deleted_at") is not None:
        left_on = birth_date  # a mistaken registration counts nowhere
    pending: dict[uuid.UUID, dict[str, Any]] = session.info.setdefault(PENDING, {})
    pending[_person(event)] = {
        "person_id": _person(event),
        "household_id": uuid.UUID(str(household)),
        "name": str(_new(event, "name") or "")[:50] or "（未登记姓名）",
        "birth_date": birth_date,
        "national_id_masked": _new(event, "national_id_masked"),
        "area_code": event.area_code,
        "left_on": left_on,
    }


async def person_moved(session: AsyncSession, event: IncomingEvent) -> None:
    await flush(session)
    household = _new(event, "household_id")
    if household is None or not is_village(event.area_code):
        return
    await ChildRepository(session).set_where(
        col(SchoolChild.person_id) == _person(event),
        household_id=uuid.UUID(str(household)),
        area_code=event.area_code,
    )


async def person_deceased(session: AsyncSession, event: IncomingEvent) -> None:
    await flush(session)
    deceased = _new(event, "deceased_on")
    await ChildRepository(session).set_where(
        col(SchoolChild.person_id) == _person(event),
        left_on=date.fromisoformat(str(deceased)) if deceased else None,
    )


async def person_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    await flush(session)
    await ChildRepository(session).set_where(
        col(SchoolChild.person_id) == _person(event), left_on=col(SchoolChild.birth_date)
    )


async def household_moved(session: AsyncSession, event: IncomingEvent) -> None:
    """The household's children live in its new village."""
    await flush(session)
    household = event.payload.get("household_id") or event.subject_id
    if household is None or not is_village(event.area_code):
        return
    await ChildRepository(session).set_where(
        col(SchoolChild.household_id) == uuid.UUID(str(household)), area_code=event.area_code
    )


def also(first: Handler, then: Handler) -> Handler:
    """Two parts of monitoring taking the same event."""

    async def handle(session: AsyncSession, event: IncomingEvent) -> None:
        await first(session, event)
        await then(session, event)

    return handle


async def school_records(session: AsyncSession, records: list[tuple[dict[str, Any], Any]]) -> None:
    """The education bureau's school feed (``partner-feeds/school``): a registry child who dropped out
    is out of school in the ledger (the feed's own alert is the household's signal); one enrolled at
    a named school has it written down, where the ledger knew no school yet. The ledger's place of
    study stays the teachers' word otherwise."""
    repository = ChildRepository(session)
    for row, item in sorted(records, key=lambda pair: pair[1].occurred_on):
        child = col(SchoolChild.person_id) == row["person_id"]
        if item.status == "dropped_out":
            school = f"，{item.school}" if item.school else ""
            await repository.set_where(
                and_(child, or_(col(SchoolChild.study_place).is_(None), col(SchoolChild.study_place) != OUT)),
                study_place=OUT,
                out_of_school_reason=f"教育部门：{item.occurred_on}辍学{school}",
                return_state=None,
                found_on=None,
                persuaded_on=None,
                proven_on=None,
                proof_document=None,
                proof_photo_id=None,
                proven_by=None,
                version=col(SchoolChild.version) + 1,
            )
        elif item.status == "enrolled" and item.school:
            await repository.set_where(
                and_(child, col(SchoolChild.school).is_(None)),
                school=item.school,
                version=col(SchoolChild.version) + 1,
            )
