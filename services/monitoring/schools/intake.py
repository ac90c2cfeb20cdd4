"""The police population feed (公安): children of school age in a town, one record each, kept once by
the sender's record id (services/common/intake). Each child is matched to the registry by ID number
(the registry answers in the sender's scope): a child it has gets the registry's person as its row; a
child it lacks is kept by a keyed hash of the number (the blind index), with its masked form, never the
number itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.area_codes import is_village
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ServiceUnavailable, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.common.scope import area_to_create_in
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.schemas import (
    PopulationBatchResult,
    PopulationItemResult,
    PopulationRecordIn,
    StudyPlace,
)

LEDGER_FIELDS = ("study_place", "school", "grade", "proven_on", "proof_document", "proven_by")
Resolver = Callable[[list[str]], Awaitable[list[dict[str, Any] | None]]]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECKS = "10X98765432"


def birth_date_of(number: str) -> date:
    """The birth date an ID number carries (GB 11643: characters 7–14), after its check digit; else
    ValueError."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValueError("An ID number is 17 digits and a digit or X")
    if CHECKS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11] != number[17]:
        raise ValueError("The check digit is wrong")
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


class BlindIndex:
    """HMAC-SHA256 of an ID number with a key of monitoring's own (from its population index key, else
    the services' shared secret): the same for the same number, and useless without the key."""

    def __init__(self, secret: str | None) -> None:
        if not secret:
            raise ServiceUnavailable(
                "The population feed needs a key for ID numbers (FANGPIN_MONITORING_POPULATION_INDEX_KEY)",
                code="population_index_key_missing",
            )
        self._key = hashlib.sha256(b"fangpin monitoring population index\0" + secret.encode()).digest()

    def of(self, number: str) -> bytes:
        return hmac.new(self._key, number.encode(), hashlib.sha256).digest()


def _mask(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


@dataclass(eq=False)
class _Record(Entry):
    item: PopulationRecordIn
    born: date | None = None
    match: dict[str, Any] | None = None
    child_id: uuid.UUID | None = None


class PopulationIntake(BatchIntake[_Record, PopulationItemResult]):
    model = PopulationRecordIn
    result_model = PopulationItemResult
    entry_type = _Record
    key_field = "record_id"
    items_field = "records"
    invalid_detail = "Record {index} is not valid"

    def __init__(self, session: AsyncSession, resolve: Resolver, index: BlindIndex) -> None:
        self.session = session
        self.resolve = resolve
        self.index = index

    async def take(self, raws: list[Any], principal: Principal) -> PopulationBatchResult:
        items = await self.answer_items(raws, principal)
        return PopulationBatchResult(**summary(items), items=items)

    def check(self, item: PopulationRecordIn, loc: list[str | int]) -> None:
        try:
            birth_date_of(item.national_id.upper())
        except ValueError as exc:
            raise ValidationFailed.field([*loc, "national_id"], str(exc), "national_id_invalid") from exc
        if item.study_place is StudyPlace.not_in_school:
            out = "A child out of school is recorded in the ledger, with the reason"
            raise ValidationFailed.field([*loc, "study_place"], out, "study_place_invalid")
        if item.proven_on is not None and (item.study_place is None or item.proven_on > china_today()):
            proof = "A proof is of a place of study, taken by today"
            raise ValidationFailed.field([*loc, "proven_on"], proof, "proof_invalid")
        area_to_create_in(item.area_code, self.principal, at=loc)
        if not is_village(item.area_code):
            raise ValidationFailed.field(
                [*loc, "area_code"], "A child lives in a village", "area_not_village"
            )

    def raw_key(self, raw: Any) -> str | None:
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return record_id if isinstance(record_id, str) and len(record_id) <= 64 else None

    async def identify(self, entries: list[_Record], refuse: Refuse) -> None:
        if entries:
            matches = await self.resolve([e.item.national_id.upper() for e in entries])
            for e, match in zip(entries, matches, strict=True):
                e.match, e.born = match, birth_date_of(e.item.national_id.upper())

    def digest(self, entry: _Record) -> bytes:
        # The index stands in for the number: a plain hash of a number this short could be reversed.
        content = entry.item.model_dump(mode="json", exclude={"national_id"})
        content["id"] = self.index.of(entry.item.national_id.upper()).hex()
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()

    def conflict(self, key: str) -> Conflict:
        return Conflict(
            f"Record {key} was received with other content, or its child under another record",
            code="record_id_in_use",
        )

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        rows = await self.session.execute(
            select(col(SchoolChild.population_record), col(SchoolChild.population_sha256)).where(
                col(SchoolChild.population_partner) == self.principal.id,
                col(SchoolChild.population_record).in_(keys),
            )
        )
        return {str(r[0]): bytes(r[1] or b"") for r in rows}

    async def insert(self, entries: list[_Record]) -> set[str]:
        """Children the registry lacks in one statement (new unless their number came before); each
        child it has in one of its own, since its row may be there already (completed here, unless
        another record holds it)."""
        inserted: set[str] = set()
        ordered = sorted(entries, key=lambda e: str(e.key))
        by_key = {str(e.key): e for e in ordered}
        lacking = [self._values(e) for e in ordered if e.match is None]
        if lacking:
            statement = insert(SchoolChild).values(lacking).on_conflict_do_nothing()
            returned = statement.returning(col(SchoolChild.population_record), col(SchoolChild.id))
            for record, child in await self.session.execute(returned):
                by_key[str(record)].child_id = child
                inserted.add(str(record))
        for e in ordered:
            if e.match is None:
                continue
            values = self._values(e)
            statement = insert(SchoolChild).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=[col(SchoolChild.person_id)],
                set_={
                    "population_partner": values["population_partner"],
                    "population_record": values["population_record"],
                    "population_sha256": values["population_sha256"],
                    "family_ref": values["family_ref"],
                    "source": "both",
                    # What the ledger does not know yet (its own edits stand).
                    **{
                        name: func.coalesce(getattr(SchoolChild, name), values[name])
                        for name in LEDGER_FIELDS
                    },
                },
                where=col(SchoolChild.population_record).is_(None),
            )
            row = (await self.session.execute(statement.returning(col(SchoolChild.id)))).scalar_one_or_none()
            if row is not None:
                e.child_id = row
                inserted.add(str(e.key))
        return inserted

    def _values(self, e: _Record) -> dict[str, Any]:
        assert e.born is not None
        number, match = e.item.national_id.upper(), e.match
        values: dict[str, Any] = {
            "name": e.item.name,
            "birth_date": e.born,
            "family_ref": e.item.family_ref,
            "national_id_masked": _mask(number),
            "population_partner": self.principal.id,
            "population_record": e.key,
            "population_sha256": e.digest,
            "study_place": e.item.study_place.value if e.item.study_place else None,
            "school": e.item.school,
            "grade": e.item.grade,
            "proven_on": e.item.proven_on,
            "proof_document": e.item.proof_document,
            "proven_by": self.principal.id if e.item.proven_on else None,
        }
        if match is None:
            return values | {
                "id": new_id(),
                "id_index": self.index.of(number),
                "area_code": e.item.area_code,
                "source": "population",
            }
        person = uuid.UUID(match["person_id"])
        return values | {
            "id": person,
            "person_id": person,
            "household_id": uuid.UUID(match["household_id"]),
            "area_code": match["area_code"],
            "source": "both",
        }

    def created_fields(self, entry: _Record) -> dict[str, Any]:
        return {"child_id": entry.child_id, "matched": entry.match is not None}
