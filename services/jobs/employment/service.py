"""Taking in employment records: check each item alone, find the person in the registry (in the caller's
scope), store each new record once, and publish what a change of status means.

A batch is one transaction, but items never depend on each other: a bad item is answered as invalid
(or forbidden, or a conflict) and the good ones are stored. A retried item (same id, same content) is
a duplicate with no effect, however many retries race: the primary key decides, not a prior read, and
only rows actually inserted publish events, so a retry never publishes twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import NATIONAL_ROOT, is_valid_scope
from services.common.auth import Principal
from services.common.batches import in_turns, item_location, raw_item_id, refusal_status
from services.common.calendar import china_today
from services.common.errors import Conflict, FangpinError, Forbidden, ValidationFailed
from services.common.events.outbox import publish
from services.common.peers import PeerError
from services.jobs.employment.codes import RETURNED_HOME, event_for
from services.jobs.employment.repository import EmploymentRepository
from services.jobs.employment.schemas import (
    EmploymentBatchResult,
    EmploymentItemResult,
    EmploymentRecordCreate,
    json_number,
)
from services.jobs.shared import SCHEMA
from services.jobs.shared.people import PersonFacts

EARLIEST = date(2000, 1, 1)  # an information date before this is a typing error, not history

Lookup = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, PersonFacts]]]
Resolve = Callable[[list[str]], Awaitable[list[PersonFacts | None]]]


def content_hash(item: EmploymentRecordCreate, person_id: uuid.UUID) -> bytes:
    # The person's id stands in for the ID number: the same record sent either way is the same record,
    # and a hash of a number this short could be reversed.
    content = item.model_dump(mode="json", exclude={"national_id", "person_id"}) | {
        "person_id": str(person_id)
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()


@dataclass
class _Accepted:
    index: int
    item: EmploymentRecordCreate
    person: PersonFacts
    digest: bytes
    events: list[str] = field(default_factory=list)


class EmploymentIntake:
    def __init__(self, session: AsyncSession, lookup: Lookup, resolve: Resolve) -> None:
        self.session = session
        self.records = EmploymentRepository(session)
        self.lookup = lookup
        self.resolve = resolve
        self.areas: dict[uuid.UUID, str] = {}  # the village of each record taken (for the audit)

    async def take(
        self, raws: list[dict[str, Any]] | list[EmploymentRecordCreate], principal: Principal
    ) -> EmploymentBatchResult:
        results: dict[int, EmploymentItemResult] = {}
        checked: dict[int, EmploymentRecordCreate] = {}
        async for index, raw in in_turns(enumerate(raws)):
            try:
                checked[index] = _check(raw, index)
            except FangpinError as exc:
                results[index] = _failure(index, raw_item_id(raw), exc)
        people = await self._identify(raws, checked, results, principal)
        accepted: dict[uuid.UUID, _Accepted] = {}
        for index, person in people.items():
            item = checked[index]
            digest = content_hash(item, person.person_id)
            if item.id in accepted:  # the same record twice in one batch
                same = accepted[item.id].digest == digest
                results[index] = (
                    EmploymentItemResult(index=index, id=item.id, status="duplicate")
                    if same
                    else _failure(index, item.id, _conflict(item.id))
                )
                continue
            accepted[item.id] = _Accepted(index, item, person, digest)
        self.areas = {record_id: a.person.area_code for record_id, a in accepted.items()}
        inserted = await self.records.insert_new([_row(a, principal) for a in accepted.values()])
        known = await self.records.hashes([i for i in accepted if i not in inserted])
        await self._publish([a for record_id, a in accepted.items() if record_id in inserted])
        for record_id, a in accepted.items():
            if record_id in inserted:
                results[a.index] = EmploymentItemResult(
                    index=a.index, id=record_id, status="created", events=a.events
                )
            elif known.get(record_id) == a.digest:
                results[a.index] = EmploymentItemResult(index=a.index, id=record_id, status="duplicate")
            else:
                results[a.index] = _failure(a.index, record_id, _conflict(record_id))
        items = [results[i] for i in sorted(results)]
        created = sum(r.status == "created" for r in items)
        duplicates = sum(r.status == "duplicate" for r in items)
        return EmploymentBatchResult(
            created=created, duplicates=duplicates, failed=len(items) - created - duplicates, items=items
        )

    async def _identify(
        self,
        raws: list[Any],
        checked: dict[int, EmploymentRecordCreate],
        results: dict[int, EmploymentItemResult],
        principal: Principal,
    ) -> dict[int, PersonFacts]:
        """Each checked item's person, asked of the registry in the caller's scope. Someone outside the
        scope is answered exactly like someone unknown (as everywhere: no existence is leaked)."""
        by_id = {i: item.person_id for i, item in checked.items() if item.person_id is not None}
        by_number = {i: item.national_id for i, item in checked.items() if item.national_id is not None}
        found: dict[int, PersonFacts | None] = {}
        try:
            if by_id:
                facts = await self.lookup(list(by_id.values()))
                found |= {i: facts.get(person_id) for i, person_id in by_id.items()}
        except PeerError as exc:
            if exc.status != 403:
                raise
            refusal = Forbidden(
                f"The {principal.role.value} role may not read where people live: name them by national_id",
                code="name_by_national_id",
            )
            results |= {i: _failure(i, checked[i].id, refusal) for i in by_id}
        try:
            if by_number:
                matches = await self.resolve(list(by_number.values()))
                found |= dict(zip(by_number, matches, strict=True))
        except PeerError as exc:
            if exc.status != 403:
                raise
            refusal = Forbidden(
                f"The {principal.role.value} role may not look people up by ID number: "
                "name them by person_id",
                code="name_by_person_id",
            )
            results |= {i: _failure(i, checked[i].id, refusal) for i in by_number}
        people: dict[int, PersonFacts] = {}
        for index, person in sorted(found.items()):
            item = checked[index]
            where = [*item_location(raws[index], index), "person_id" if item.person_id else "national_id"]
            if person is None:
                error = ValidationFailed.field(
                    where, "No such person is registered in your area", "person_not_found"
                )
            elif not person.alive:
                error = ValidationFailed.field(where, "The person is recorded as deceased", "person_deceased")
            else:
                people[index] = person
                continue
            results[index] = _failure(index, item.id, error)
        return people

    async def _publish(self, inserted: list[_Accepted]) -> None:
        """Only records that extend a person's history publish: a record older than one already kept
        (a phone syncing late) is stored but changes nothing now. Each such record is compared with the
        one before it, so two changes in one batch (away, then home) are both seen."""
        if not inserted:
            return
        new = {a.item.id: a for a in inserted}
        histories = await self.records.histories([a.person.person_id for a in inserted])
        for _, rows in groupby(histories, key=lambda r: r.person_id):
            history = list(rows)
            last_old = max((i for i, r in enumerate(history) if r.id not in new), default=-1)
            for i in range(max(last_old + 1, 1), len(history)):
                previous, record = history[i - 1], history[i]
                event = event_for(previous.status, record.status)
                if event is None:
                    continue
                a = new[record.id]
                await publish(
                    self.session,
                    SCHEMA,
                    event,
                    area_code=a.person.area_code,
                    subject_id=a.person.household_id,
                    payload=event_payload(event, previous, record, a.person, a.item),
                )
                a.events.append(event)


def event_payload(
    event: str, previous: Row, record: Row, person: PersonFacts, item: EmploymentRecordCreate
) -> dict[str, Any]:
    """A snapshot of the change, taken now: the consumer needs nothing else to judge the risk."""
    # Best known date of the change: the old job's end, else the earlier of the new start and the report.
    changed_on = previous.ended_on or min(d for d in (record.started_on, record.reported_on) if d)
    return {
        "record_id": str(record.id),
        "person_id": str(person.person_id),
        "household_id": str(person.household_id),
        "area_code": person.area_code,
        "household_category": person.household_category,
        "previous_status": previous.status,
        "new_status": record.status,
        "monthly_income": json_number(record.monthly_income),
        "previous_monthly_income": json_number(previous.monthly_income),
        "reported_on": record.reported_on.isoformat(),
        "returned_on" if event == RETURNED_HOME else "lost_on": changed_on.isoformat(),
        "source": item.source.value,
    }


def _check(raw: Any, index: int) -> EmploymentRecordCreate:
    if isinstance(raw, EmploymentRecordCreate):
        item = raw  # already checked (the single-item endpoint)
    else:
        try:
            item = EmploymentRecordCreate.model_validate(raw)
        except ValidationError as exc:
            raise ValidationFailed.of_item(
                exc, ["body", "items", index], f"Item {index} is not a valid employment record"
            ) from exc
    where = item_location(raw, index)
    if item.person_id is None and item.national_id is None:
        raise ValidationFailed.field(
            [*where, "person_id"], "Name the person by person_id or national_id", "person_required"
        )
    if item.person_id is not None and item.national_id is not None:
        raise ValidationFailed.field(
            [*where, "national_id"], "Name the person by person_id or national_id, not both", "person_twice"
        )
    if item.reported_on > china_today() + timedelta(days=1):
        raise ValidationFailed.field(
            [*where, "reported_on"], "The information date is in the future", "reported_in_future"
        )
    if item.reported_on < EARLIEST:
        raise ValidationFailed.field(
            [*where, "reported_on"],
            f"An information date before {EARLIEST} is a typing error",
            "reported_too_early",
        )
    if item.started_on and item.ended_on and item.ended_on < item.started_on:
        raise ValidationFailed.field(
            [*where, "ended_on"], "The work cannot end before it started", "ended_before_started"
        )
    if item.place_code is not None and (
        item.place_code == NATIONAL_ROOT or not is_valid_scope(item.place_code)
    ):
        raise ValidationFailed.field(
            [*where, "place_code"], f"{item.place_code} is not a division code", "place_code_invalid"
        )
    return item


def _row(a: _Accepted, principal: Principal) -> dict[str, Any]:
    item, person = a.item, a.person
    return item.model_dump(
        include={
            "id",
            "place_code",
            "place_name",
            "employer",
            "industry",
            "started_on",
            "ended_on",
            "monthly_income",
            "reported_on",
            "job_intention",
            "training_wanted",
            "note",
        }
    ) | {
        "person_id": person.person_id,
        "household_id": person.household_id,
        "area_code": person.area_code,
        "household_category": person.household_category,
        "status": item.status.value,
        "source": item.source.value,
        "content_sha256": a.digest,
        "recorded_by": principal.id[:64],
        "recorded_by_name": principal.name[:100],
    }


def _conflict(record_id: uuid.UUID) -> Conflict:
    return Conflict(
        f"Employment record {record_id} was already received with other content; "
        "a change or a correction is a new record with a new id",
        code="employment_record_id_in_use",
    )


def _failure(index: int, record_id: uuid.UUID | None, exc: FangpinError) -> EmploymentItemResult:
    return EmploymentItemResult(index=index, id=record_id, status=refusal_status(exc), error=exc.to_problem())
