"""Taking in bureau records: match each to a household by ID number (the registry answers, in the
partner's own scope), keep each record once, and raise the alerts the record shows."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.auth import Principal
from services.common.batches import in_turns
from services.common.errors import Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.codes import AlertSource, RiskCode, Severity
from services.monitoring.models import PartnerRecord, ThresholdVersion
from services.monitoring.partners.schemas import (
    ALLOWED_STATUS,
    REQUIRED,
    FeedKind,
    PartnerBatchResult,
    PartnerItemResult,
    PartnerRecordIn,
)
from services.monitoring.rules.engine import yuan
from services.monitoring.schools.events import school_records
from services.monitoring.thresholds.repository import ThresholdRepository

Resolver = Callable[[list[str]], Awaitable[list[dict[str, Any] | None]]]
PROGRAMME_LABEL = {"dibao": "低保", "tekun": "特困供养"}


def _digest(kind: FeedKind, record: PartnerRecordIn, person_id: str) -> bytes:
    # The person's id stands in for the ID number: a hash of a number this short could be reversed.
    content = record.model_dump(mode="json", exclude={"national_id"}) | {
        "kind": kind.value,
        "person": person_id,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()


@dataclass
class _Spending:
    """What a batch of medical bills is judged by."""

    lines: dict[tuple[str, int], ThresholdVersion | None]  # by village and year
    spent: dict[tuple[uuid.UUID, int], Decimal]  # out of pocket, by household and year


@dataclass(eq=False)
class _Record(Entry):
    item: PartnerRecordIn
    match: dict[str, Any] | None = None  # the registry's person, household and village
    row: dict[str, Any] = field(default_factory=dict)  # as inserted
    raised: list[str] = field(default_factory=list)


class PartnerIntake(BatchIntake[_Record, PartnerItemResult]):
    model = PartnerRecordIn
    result_model = PartnerItemResult
    entry_type = _Record
    key_field = "record_id"  # the bureau's own id, unique per partner and feed
    items_field = "records"
    invalid_detail = "Record {index} is not valid"

    def __init__(self, session: AsyncSession, resolve: Resolver) -> None:
        self.session = session
        self.resolve = resolve

    async def take(
        self, kind: FeedKind, raws: list[dict[str, Any]], principal: Principal
    ) -> PartnerBatchResult:
        self.kind = kind
        items = await self.answer_items(raws, principal)
        return PartnerBatchResult(**summary(items, unknown_ids="unknown_id"), items=items)

    def check(self, item: PartnerRecordIn, loc: list[str | int]) -> None:
        kind = self.kind
        for name in REQUIRED[kind]:
            if getattr(item, name) is None:
                raise ValidationFailed.field(
                    [*loc, name], f"A {kind.value} record needs {name}", "field_required"
                )
        if item.status is not None and item.status not in ALLOWED_STATUS.get(kind, set()):
            raise ValidationFailed.field(
                [*loc, "status"], f"{item.status} is not a {kind.value} status", "status_invalid"
            )

    def raw_key(self, raw: Any) -> str | None:
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return record_id if isinstance(record_id, str) and len(record_id) <= 64 else None

    async def identify(self, entries: list[_Record], refuse: Refuse) -> None:
        """Each record's person, by ID number in the partner's own scope: unknown_id if none."""
        if not entries:
            return
        matches = await self.resolve([r.item.national_id for r in entries])
        for r, match in zip(entries, matches, strict=True):
            if match is None:
                refuse(r, "unknown_id")
            r.match = match

    def digest(self, entry: _Record) -> bytes:
        assert entry.match is not None  # identified
        return _digest(self.kind, entry.item, entry.match["person_id"])

    def conflict(self, key: str) -> Conflict:
        return Conflict(f"Record {key} was already received with other content", code="record_id_in_use")

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        rows = await self.session.execute(
            select(col(PartnerRecord.record_id), col(PartnerRecord.content_sha256)).where(
                col(PartnerRecord.partner_id) == self.principal.id,
                col(PartnerRecord.kind) == self.kind.value,
                col(PartnerRecord.record_id).in_(keys),
            )
        )
        return {r.record_id: r.content_sha256 for r in rows}

    async def insert(self, entries: list[_Record]) -> set[str]:
        rows = [self._row(r) for r in sorted(entries, key=lambda r: str(r.key))]
        statement = (
            insert(PartnerRecord)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["partner_id", "kind", "record_id"])
            .returning(col(PartnerRecord.record_id))
        )
        return set((await self.session.execute(statement)).scalars())

    async def created(self, entries: list[_Record]) -> None:
        """One signal per household and risk per batch: the latest record's."""
        spending = await self._medical_spending(entries) if self.kind == FeedKind.medical else None
        signals: dict[tuple[uuid.UUID, str], tuple[_Record, Signal]] = {}
        async for r in in_turns(entries):
            if (signal := self._signal(r, spending)) is not None:
                signals[(signal.household_id, signal.risk_code)] = (r, signal)
        await AlertRepository(self.session).raise_signals([s for _, s in signals.values()])
        for r, signal in signals.values():
            r.raised.append(signal.risk_code)
        if self.kind == FeedKind.school:  # the 控辍保学 ledger hears of it too
            await school_records(self.session, [(r.row, r.item) for r in entries])

    def created_fields(self, entry: _Record) -> dict[str, Any]:
        return {"raised": entry.raised}

    def _row(self, r: _Record) -> dict[str, Any]:
        assert r.match is not None  # identified
        r.row = {
            "id": new_id(),
            "partner_id": self.principal.id,
            "kind": self.kind.value,
            "record_id": r.key,
            "content_sha256": r.digest,
            "person_id": uuid.UUID(r.match["person_id"]),
            "household_id": uuid.UUID(r.match["household_id"]),
            "area_code": r.match["area_code"],
            "occurred_on": r.item.occurred_on,
            "data": r.item.model_dump(mode="json", exclude={"national_id", "record_id", "occurred_on"}),
        }
        return r.row

    def _signal(self, r: _Record, spending: _Spending | None) -> Signal | None:
        finding = self._finding(r.item, r.row, spending)
        if finding is None:
            return None
        code, severity, reason, threshold = finding
        return Signal(
            household_id=r.row["household_id"],
            area_code=r.row["area_code"],
            risk_code=code.value,
            severity=severity.value,
            reason=reason,
            rule_version=f"partner_{self.kind.value}@1",
            source=AlertSource.partner.value,
            source_id=str(r.row["id"]),
            raised_at=datetime.now(UTC),
            threshold_id=threshold.id if threshold else None,
            threshold_version=threshold.version if threshold else None,
        )

    def _finding(self, record: PartnerRecordIn, row: dict[str, Any], spending: _Spending | None):  # noqa: ANN202
        kind, day = self.kind, record.occurred_on.isoformat()
        if kind == FeedKind.medical:
            assert spending is not None
            year = record.occurred_on.year
            thresholds = spending.lines[(row["area_code"], year)]
            if thresholds is None:
                return None
            spent = spending.spent.get((row["household_id"], year), Decimal("0.00"))
            if spent <= thresholds.large_expense_line:
                return None
            source = f"（{thresholds.area_code} {year}年标准第{thresholds.version}版）"
            reason = (
                f"医保结算：{year}年家庭自付医疗费用累计{yuan(spent)} > "
                f"{year}年刚性支出标准{yuan(thresholds.large_expense_line)}{source}"
            )
            return RiskCode.large_expense, Severity.medium, reason, thresholds
        if kind == FeedKind.disability:
            return (
                RiskCode.disability,
                Severity.medium,
                f"残联：家庭成员办理残疾证（{record.disability_grade}级，{day}）",
                None,
            )
        if kind == FeedKind.school and record.status == "dropped_out":
            where = f"，{record.school}" if record.school else ""
            return (
                RiskCode.compulsory_education,
                Severity.high,
                f"教育部门：义务教育阶段辍学（{day}{where}）",
                None,
            )
        if kind == FeedKind.social_assistance and record.status == "ended":
            label = PROGRAMME_LABEL[record.programme or "dibao"]
            return RiskCode.low_income, Severity.medium, f"民政：{label}于{day}停止发放，需核实收入", None
        return None  # enrolments, starts and deaths are kept; the registry records deaths itself

    async def _medical_spending(self, entries: list[_Record]) -> _Spending:
        """Each household's out-of-pocket total in each year of the batch (this batch's bills
        included), and the large-expense line in force in its village: one query a year for the
        lines, one for the totals."""
        years: dict[int, set[str]] = {}
        for r in entries:
            years.setdefault(r.item.occurred_on.year, set()).add(r.row["area_code"])
        thresholds = ThresholdRepository(self.session)
        lines: dict[tuple[str, int], ThresholdVersion | None] = {}
        for year, areas in years.items():
            lines |= {(area, year): t for area, t in (await thresholds.in_force_for(areas, year)).items()}
        household = col(PartnerRecord.household_id)
        year_of = func.extract("year", col(PartnerRecord.occurred_on))
        total = func.coalesce(func.sum(PartnerRecord.data["out_of_pocket"].as_float()), 0)
        rows = await self.session.execute(
            select(household, year_of.label("year"), total.label("total"))
            .where(
                household.in_({r.row["household_id"] for r in entries}),
                col(PartnerRecord.kind) == FeedKind.medical.value,
                year_of.in_(list(years)),
            )
            .group_by(household, year_of)
        )
        spent = {
            (row.household_id, int(row.year)): Decimal(str(row.total)).quantize(Decimal("0.01"))
            for row in rows
        }
        return _Spending(lines, spent)
