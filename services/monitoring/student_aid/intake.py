"""Student aid in: the education bureau's records by ID number (matched in the registry, in the
sender's scope) or a school's by the registry's person id; each kept once by its sender's record id
(services/common/intake), each answered alone."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.monitoring.student_aid.models import StudentAid
from services.monitoring.student_aid.schemas import AidBatchResult, AidCreate, AidIn, AidItemResult

# Ask the registry: ID numbers (resolve) and person ids (lookup), each answered in the caller's scope.
Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(eq=False)
class _Aid(Entry):
    item: AidIn | AidCreate
    person: dict[str, Any] | None = None  # the registry's person, household and village
    id: uuid.UUID | None = None


class AidIntake(BatchIntake[_Aid, AidItemResult]):
    """The bureau's batch, by ID number (``AidCreate``'s single records: ``SchoolAidIntake``)."""

    model: ClassVar[type[BaseModel]] = AidIn
    result_model = AidItemResult
    entry_type = _Aid
    key_field = "record_id"
    items_field = "records"
    invalid_detail = "Record {index} is not valid"

    def __init__(self, session: AsyncSession, ask: Ask) -> None:
        self.session = session
        self.ask = ask

    async def take(self, raws: list[Any], principal: Principal) -> AidBatchResult:
        items = await self.answer_items(raws, principal)
        return AidBatchResult(**summary(items, unknown_ids="unknown_id"), items=items)

    def check(self, item: AidIn | AidCreate, loc: list[str | int]) -> None:
        today = china_today()
        for name in ("paid_on", "notice_delivered_on"):
            if (day := getattr(item, name)) is not None and day > today:
                raise ValidationFailed.field([*loc, name], f"{day} is in the future", "date_in_future")

    def raw_key(self, raw: Any) -> str | None:
        if isinstance(raw, AidIn | AidCreate):
            return raw.record_id
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return record_id if isinstance(record_id, str) and len(record_id) <= 64 else None

    async def identify(self, entries: list[_Aid], refuse: Refuse) -> None:
        by_number = [e for e in entries if isinstance(e.item, AidIn)]
        if by_number:
            numbers = [e.item.national_id for e in by_number if isinstance(e.item, AidIn)]
            answer = await self.ask("/internal/v1/people/resolve", {"national_ids": numbers})
            for e, match in zip(by_number, answer["matches"], strict=True):
                if match is None:
                    refuse(e, "unknown_id")
                e.person = match
        by_id = [(e, e.item.person_id) for e in entries if isinstance(e.item, AidCreate)]
        if by_id:
            asked = sorted({str(person) for _, person in by_id})
            answer = await self.ask("/internal/v1/people/lookup", {"person_ids": asked})
            known = {p["person_id"]: p for p in answer["people"]}
            for e, person in by_id:
                e.person = known.get(str(person))
                if e.person is None:
                    missing = f"No person {person} is registered in your area"
                    refuse(e, ValidationFailed.field([*e.loc, "person_id"], missing, "person_not_found"))

    def digest(self, entry: _Aid) -> bytes:
        content = entry.item.model_dump(mode="json", exclude={"national_id", "person_id"})
        content["person"] = entry.person["person_id"] if entry.person else None
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()

    def conflict(self, key: str) -> Conflict:
        return Conflict(f"Record {key} was already received with other content", code="record_id_in_use")

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        rows = await self.session.execute(
            select(col(StudentAid.record_id), col(StudentAid.content_sha256)).where(
                col(StudentAid.sender_id) == self.principal.id, col(StudentAid.record_id).in_(keys)
            )
        )
        return {r[0]: r[1] for r in rows}

    async def insert(self, entries: list[_Aid]) -> set[str]:
        rows = [self._row(e) for e in sorted(entries, key=lambda e: str(e.key))]
        statement = (
            insert(StudentAid)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["sender_id", "record_id"])
            .returning(col(StudentAid.record_id))
        )
        return set((await self.session.execute(statement)).scalars())

    def _row(self, e: _Aid) -> dict[str, Any]:
        assert e.person is not None
        item, e.id = e.item, new_id()
        return {
            "id": e.id,
            "sender_id": self.principal.id,
            "record_id": e.key,
            "content_sha256": e.digest,
            "person_id": uuid.UUID(str(e.person["person_id"])),
            "household_id": uuid.UUID(str(e.person["household_id"])),
            "area_code": e.person["area_code"],
            "kind": item.kind.value,
            "school_year": item.school_year,
            "term": item.term,
            "amount_fen": item.amount_fen,
            "school": item.school,
            "paid_on": item.paid_on,
            "notice_delivered_on": item.notice_delivered_on,
        }

    def created_fields(self, entry: _Aid) -> dict[str, Any]:
        return {"id": entry.id}


class SchoolAidIntake(AidIntake):
    """A school's or town's one record, by the registry's person id."""

    model = AidCreate
