"""Contacts from phones, offline batches or one at a time, through the common intake: each item answered
alone by the phone's UUID (a retry with the same body: duplicate; another body under the same id: a
conflict); the household and the cadre checked with the registry in the caller's area."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import CHINA
from services.common.errors import Conflict, ValidationFailed
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.oversight.contacts.registry import LookUp
from services.oversight.contacts.repository import ContactRepository
from services.oversight.contacts.schemas import ContactBatchResult, ContactCreate, ContactItemResult

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(eq=False)
class _Contact(Entry):
    item: ContactCreate
    village: str | None = None


class ContactIntake(BatchIntake[_Contact, ContactItemResult]):
    model = ContactCreate
    result_model = ContactItemResult
    entry_type = _Contact
    invalid_detail = "Item {index} is not a valid contact"

    def __init__(self, session: AsyncSession, look_up: LookUp) -> None:
        self.repository = ContactRepository(session)
        self.look_up = look_up

    async def take(
        self, raw_items: list[dict[str, Any]] | list[ContactCreate], principal: Any
    ) -> ContactBatchResult:
        items = await self.answer_items(raw_items, principal)
        return ContactBatchResult(**summary(items), items=items)

    def check(self, item: ContactCreate, loc: list[str | int]) -> None:
        if item.at.tzinfo is None:
            raise ValidationFailed.field([*loc, "at"], "at needs its zone offset", "time_without_zone")
        if item.at - datetime.now(UTC) > CLOCK_SKEW:
            raise ValidationFailed.field(
                [*loc, "at"], f"at {item.at} is in the future: check the phone's clock", "date_in_future"
            )

    def digest(self, entry: _Contact) -> bytes:
        return hashlib.sha256(entry.item.model_dump_json().encode()).digest()

    def conflict(self, key: uuid.UUID) -> Conflict:
        return Conflict(
            f"Contact {key} was already received with other details; a new contact needs a new id",
            code="contact_id_in_use",
        )

    async def stored(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """The stored digests; one stored outside the caller's area is never "the same" (a conflict)."""
        found = await self.repository.digests(keys)
        return {
            k: (digest or b"") if self.principal.covers(area) else b"" for k, (digest, area) in found.items()
        }

    async def admit(self, entries: list[_Contact], refuse: Refuse) -> None:
        reach = await self.look_up([e.item.household_id for e in entries], [e.item.cadre_id for e in entries])
        for entry in entries:
            item = entry.item
            village = reach.villages.get(item.household_id)
            if village is None:
                message = f"No household {item.household_id} is registered in your area"
                refuse(entry, _field(entry, "household_id", message, "household_not_found"))
            elif item.cadre_id not in reach.cadre_areas:
                refuse(
                    entry,
                    _field(entry, "cadre_id", f"No cadre {item.cadre_id} in your area", "cadre_not_found"),
                )
            elif not reach.responsible(item.cadre_id, item.household_id):
                message = f"Cadre {item.cadre_id} is neither paired with household "
                message += f"{item.household_id} nor of its area"
                refuse(entry, _field(entry, "cadre_id", message, "cadre_not_responsible"))
            else:
                entry.village = village

    async def insert(self, entries: list[_Contact]) -> set[uuid.UUID]:
        rows = []
        for e in entries:
            assert e.village is not None
            rows.append(
                {
                    "id": e.item.id,
                    "cadre_id": e.item.cadre_id,
                    "household_id": e.item.household_id,
                    "area_code": e.village,
                    "method": e.item.method.value,
                    "at": e.item.at,
                    "day": e.item.at.astimezone(CHINA).date(),
                    "note": e.item.note,
                    "request_sha256": e.digest,
                    "created_by": self.principal.id,
                }
            )
        return await self.repository.insert(rows)

    def created_fields(self, entry: _Contact) -> dict[str, Any]:
        return {"area_code": entry.village}


def _field(entry: _Contact, name: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field([*entry.loc, name], message, code)
