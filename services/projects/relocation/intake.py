"""Phones' reports of a relocated household (交房, 搬迁入住, 拆旧) on the one batch intake
(services/common/intake): a batch of what a phone kept offline, or the single endpoint's one report, each
answered alone and kept once by the phone's UUID. A report records the household's date of its kind, in
the report's own savepoint: a kind recorded already is that item's 409 ``already_recorded``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.common.retries import request_digest
from services.projects.relocation.models import Relocatee
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import (
    RelocationReportIn,
    ReportBatchResult,
    ReportResult,
)


@dataclass(eq=False)
class _Report(Entry):
    item: RelocationReportIn
    key: uuid.UUID
    relocatee: Relocatee | None = None


class ReportIntake(BatchIntake[_Report, ReportResult]):
    model = RelocationReportIn
    result_model = ReportResult
    entry_type = _Report
    invalid_detail = "Item {index} is not a valid relocation report"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = SettlementRepository(session)

    async def take(self, raws: Sequence[Any], principal: Principal) -> ReportBatchResult:
        items = await self.answer_items(raws, principal)
        return ReportBatchResult(**summary(items), items=items)

    def check(self, item: RelocationReportIn, loc: list[str | int]) -> None:
        if item.happened_on > china_today():
            raise ValidationFailed.field(
                [*loc, "happened_on"], "happened_on is in the future", "date_in_future"
            )

    def digest(self, entry: _Report) -> bytes:
        return request_digest(entry.item)

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Relocation report {key} was received with other content", code="report_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        return self.in_scope(await self.repository.report_digests(keys))

    async def admit(self, entries: list[_Report], refuse: Refuse) -> None:
        """Each report's household: signed up for the settlement named, in the caller's area."""
        pairs = [(e.item.settlement_id, e.item.household_id) for e in entries]
        found = await self.repository.relocatees_of(pairs, self.principal.scope_prefix)
        for e in entries:
            relocatee = found.get((e.item.settlement_id, e.item.household_id))
            if relocatee is None:
                missing = f"No household {e.item.household_id} signed up for the settlement in your area"
                refuse(e, ValidationFailed.field([*e.loc, "household_id"], missing, "household_not_found"))
            elif e.item.happened_on < relocatee.signed_on:
                early = f"happened_on is before the household signed up ({relocatee.signed_on})"
                refuse(e, ValidationFailed.field([*e.loc, "happened_on"], early, "date_too_early"))
            else:
                e.relocatee = relocatee

    async def insert(self, entries: list[_Report]) -> set[Any]:
        """Report by report, each in a savepoint with the household's date it records."""
        inserted: set[Any] = set()
        for e in sorted(entries, key=lambda e: str(e.key)):
            relocatee = e.relocatee
            assert relocatee is not None
            async with self.session.begin_nested() as savepoint:
                if not await self.repository.insert_report(self._values(e, relocatee)):
                    if await self.repository.report_digests([e.key]):
                        continue  # a concurrent copy stored it: answered by its digest
                    await savepoint.rollback()
                    self.refuse(e, _recorded(e))
                    continue
                if not await self.repository.set_date(relocatee.id, e.item.kind.value, e.item.happened_on):
                    await savepoint.rollback()
                    self.refuse(e, _recorded(e))
                    continue
                inserted.add(e.key)
        return inserted

    def _values(self, e: _Report, relocatee: Relocatee) -> dict[str, Any]:
        item = e.item
        return {
            "id": e.key,
            "settlement_id": relocatee.settlement_id,
            "relocatee_id": relocatee.id,
            "household_id": relocatee.household_id,
            "area_code": relocatee.area_code,
            "kind": item.kind.value,
            "happened_on": item.happened_on,
            "note": item.note,
            "photo_refs": list(item.photo_refs),
            "request_sha256": e.digest,
            "reported_by": self.principal.id,
        }

    async def created(self, entries: list[_Report]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            assert e.relocatee is not None
            trail.record(
                "relocation.report",
                "settlement_household",
                str(e.relocatee.household_id),
                area_code=e.relocatee.area_code,
                changes={
                    f"{e.item.kind.value}_on": [None, str(e.item.happened_on)],
                    "report": [None, {"id": str(e.key), "photos": len(e.item.photo_refs)}],
                },
            )


def _recorded(e: _Report) -> Conflict:
    done = f"The household's {e.item.kind.value} is recorded already"
    return Conflict(done, code="already_recorded")
