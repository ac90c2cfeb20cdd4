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
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import NATIONAL_ROOT, is_valid_scope
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.events.outbox import publish
from services.common.intake import BatchIntake, Entry, Refuse, summary
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
T = TypeVar("T")


def content_hash(item: EmploymentRecordCreate, person_id: uuid.UUID) -> bytes:
    # The person's id stands in for the ID number: the same record sent either way is the same record,
    # and a hash of a number this short could be reversed.
    content = item.model_dump(mode="json", exclude={"national_id", "person_id"}) | {
        "person_id": str(person_id)
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()


@dataclass(eq=False)
class _Record(Entry):
    item: EmploymentRecordCreate
    key: uuid.UUID  # the record's id
    person: PersonFacts | None = None  # as the registry answered
    events: list[str] = field(default_factory=list)
    retry: bool = False  # the same request as a record already stored: answered without the registry

    @property
    def found(self) -> PersonFacts:
        """The person, once identified (every record past ``identify`` that was not refused)."""
        assert self.person is not None
        return self.person


class EmploymentIntake(BatchIntake[_Record, EmploymentItemResult]):
    model = EmploymentRecordCreate
    result_model = EmploymentItemResult
    entry_type = _Record
    invalid_detail = "Item {index} is not a valid employment record"

    def __init__(self, session: AsyncSession, lookup: Lookup, resolve: Resolve) -> None:
        self.session = session
        self.records = EmploymentRepository(session)
        self.lookup = lookup
        self.resolve = resolve
        self.areas: dict[uuid.UUID, str] = {}  # the village of each record taken (for the audit)

    async def take(
        self, raws: list[dict[str, Any]] | list[EmploymentRecordCreate], principal: Principal
    ) -> EmploymentBatchResult:
        items = await self.answer_items(raws, principal)
        return EmploymentBatchResult(**summary(items), items=items)

    def check(self, item: EmploymentRecordCreate, loc: list[str | int]) -> None:
        _check(item, loc)

    async def identify(self, entries: list[_Record], refuse: Refuse) -> None:
        """Each item's person, asked of the registry in the caller's scope. Someone outside the scope
        is answered exactly like someone unknown (as everywhere: no existence is leaked). A retry of a
        record named by person_id is recognised first, by its digest, so that it is a duplicate even
        when the person has since moved out of the caller's area."""
        await self._retries(entries)
        by_id = {r: r.item.person_id for r in entries if r.item.person_id is not None and not r.retry}
        by_number = {r: r.item.national_id for r in entries if r.item.national_id is not None}
        role = self.principal.role.value

        def may_not(what: str, instead: str) -> Forbidden:
            return Forbidden(
                f"The {role} role may not {what}: name them by {instead}", code=f"name_by_{instead}"
            )

        ids = list(by_id.values())
        refusal = may_not("read where people live", "national_id")
        facts = await _ask(list(by_id), lambda: self.lookup(ids), refusal, refuse)
        if facts is not None:
            for r, person_id in by_id.items():
                _found(r, facts.get(person_id), "person_id", refuse)
        numbers = list(by_number.values())
        refusal = may_not("look people up by ID number", "person_id")
        matches = await _ask(list(by_number), lambda: self.resolve(numbers), refusal, refuse)
        if matches is not None:
            for r, match in zip(by_number, matches, strict=True):
                _found(r, match, "national_id", refuse)

    async def _retries(self, entries: list[_Record]) -> None:
        named = {r.key: (r, r.item.person_id) for r in entries if r.item.person_id is not None}
        if not named:
            return
        for key, stored in (
            await self.records.hashes_in_scope(list(named), self.principal.scope_prefix)
        ).items():
            r, person_id = named[key]
            r.retry = stored == content_hash(r.item, person_id)

    def digest(self, entry: _Record) -> bytes:
        return content_hash(entry.item, entry.item.person_id or entry.found.person_id)

    def conflict(self, key: uuid.UUID) -> Conflict:
        return Conflict(
            f"Employment record {key} was already received with other content; "
            "a change or a correction is a new record with a new id",
            code="employment_record_id_in_use",
        )

    async def stored(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        return await self.records.hashes(keys)

    async def insert(self, entries: list[_Record]) -> set[uuid.UUID]:
        self.areas = {r.key: r.found.area_code for r in entries}
        return await self.records.insert_new([_row(r, self.principal) for r in entries])

    async def created(self, entries: list[_Record]) -> None:
        await self._publish(entries)

    def created_fields(self, entry: _Record) -> dict[str, Any]:
        return {"events": entry.events}

    async def _publish(self, inserted: list[_Record]) -> None:
        """Only records that extend a person's history publish: a record older than one already kept
        (a phone syncing late) is stored but changes nothing now. Each such record is compared with the
        one before it, so two changes in one batch (away, then home) are both seen."""
        if not inserted:
            return
        new = {r.item.id: r for r in inserted}
        histories = await self.records.histories([r.found.person_id for r in inserted])
        for _, rows in groupby(histories, key=lambda row: row.person_id):
            history = list(rows)
            last_old = max((i for i, row in enumerate(history) if row.id not in new), default=-1)
            for i in range(max(last_old + 1, 1), len(history)):
                previous, record = history[i - 1], history[i]
                event = event_for(previous.status, record.status)
                if event is None:
                    continue
                r = new[record.id]
                await publish(
                    self.session,
                    SCHEMA,
                    event,
                    area_code=r.found.area_code,
                    subject_id=r.found.household_id,
                    payload=event_payload(event, previous, record, r.found, r.item),
                )
                r.events.append(event)


async def _ask(
    records: list[_Record], ask: Callable[[], Awaitable[T]], refusal: Forbidden, refuse: Refuse
) -> T | None:
    """The registry's answer about these records; None, each refused, if the caller's role may not ask."""
    if not records:
        return None
    try:
        return await ask()
    except PeerError as exc:
        if exc.status != 403:
            raise
        for r in records:
            refuse(r, refusal)
        return None


def _found(record: _Record, person: PersonFacts | None, named_by: str, refuse: Refuse) -> None:
    where = [*record.loc, named_by]
    if person is None:
        missing = "No such person is registered in your area"
        refuse(record, ValidationFailed.field(where, missing, "person_not_found"))
    elif not person.alive:
        refuse(record, ValidationFailed.field(where, "The person is recorded as deceased", "person_deceased"))
    else:
        record.person = person


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
        "household_category": person.category_on(record.reported_on),
        "previous_status": previous.status,
        "new_status": record.status,
        "monthly_income": json_number(record.monthly_income),
        "previous_monthly_income": json_number(previous.monthly_income),
        "reported_on": record.reported_on.isoformat(),
        "returned_on" if event == RETURNED_HOME else "lost_on": changed_on.isoformat(),
        "source": item.source.value,
    }


def _check(item: EmploymentRecordCreate, where: list[str | int]) -> None:
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


def _row(r: _Record, principal: Principal) -> dict[str, Any]:
    item, person = r.item, r.found
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
        "household_category": person.category_on(item.reported_on),
        "monitoring_type": person.monitoring_type_on(item.reported_on),
        "status": item.status.value,
        "source": item.source.value,
        "content_sha256": r.digest,
        "recorded_by": principal.id[:64],
        "recorded_by_name": principal.name[:100],
    }
