"""Taking in bureau records: match each to a household by ID number (the registry answers, in the
partner's own scope), keep each record once, and raise the alerts the record shows."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError, ValidationFailed
from services.common.ids import new_id
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.codes import AlertSource, RiskCode, Severity
from services.monitoring.models import PartnerRecord
from services.monitoring.partners.schemas import (
    ALLOWED_STATUS,
    REQUIRED,
    FeedKind,
    PartnerBatchResult,
    PartnerItemResult,
    PartnerRecordIn,
)
from services.monitoring.rules.engine import yuan
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


def _check(kind: FeedKind, raw: dict[str, Any], index: int) -> PartnerRecordIn:
    try:
        record = PartnerRecordIn.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed.of_item(
            exc, ["body", "records", index], f"Record {index} is not valid"
        ) from exc
    for name in REQUIRED[kind]:
        if getattr(record, name) is None:
            raise ValidationFailed.field(
                ["body", "records", index, name], f"A {kind.value} record needs {name}", "field_required"
            )
    if record.status is not None and record.status not in ALLOWED_STATUS.get(kind, set()):
        raise ValidationFailed.field(
            ["body", "records", index, "status"],
            f"{record.status} is not a {kind.value} status",
            "status_invalid",
        )
    return record


class PartnerIntake:
    def __init__(self, session: AsyncSession, resolve: Resolver) -> None:
        self.session = session
        self.resolve = resolve

    async def take(
        self, kind: FeedKind, raws: list[dict[str, Any]], principal: Principal
    ) -> PartnerBatchResult:
        results: dict[int, PartnerItemResult] = {}
        checked: dict[int, PartnerRecordIn] = {}
        for index, raw in enumerate(raws):
            try:
                checked[index] = _check(kind, raw, index)
            except FangpinError as exc:
                results[index] = _failed(index, raw.get("record_id"), "invalid", exc)
        matches = await self.resolve([r.national_id for r in checked.values()]) if checked else []
        rows: dict[int, dict[str, Any]] = {}
        for (index, record), match in zip(checked.items(), matches, strict=True):
            if match is None:
                results[index] = PartnerItemResult(
                    index=index, record_id=record.record_id, status="unknown_id"
                )
                continue
            rows[index] = {
                "id": new_id(),
                "partner_id": principal.id,
                "kind": kind.value,
                "record_id": record.record_id,
                "content_sha256": _digest(kind, record, match["person_id"]),
                "person_id": uuid.UUID(match["person_id"]),
                "household_id": uuid.UUID(match["household_id"]),
                "area_code": match["area_code"],
                "occurred_on": record.occurred_on,
                "data": record.model_dump(mode="json", exclude={"national_id", "record_id", "occurred_on"}),
            }
        inserted = await self._insert(list(rows.values()))
        known = await self._known(
            principal.id, kind, [r["record_id"] for r in rows.values() if r["id"] not in inserted]
        )
        signals: dict[tuple[uuid.UUID, str], tuple[int, Signal]] = {}
        for index, row in rows.items():
            if row["id"] in inserted:
                signal = await self._signal(kind, checked[index], row)
                if signal is not None:  # one signal per household and risk per batch: the latest record's
                    signals[(signal.household_id, signal.risk_code)] = (index, signal)
                results[index] = PartnerItemResult(index=index, record_id=row["record_id"], status="created")
            elif known.get(row["record_id"]) == row["content_sha256"]:
                results[index] = PartnerItemResult(
                    index=index, record_id=row["record_id"], status="duplicate"
                )
            else:
                conflict = Conflict(
                    f"Record {row['record_id']} was already received with other content",
                    code="record_id_in_use",
                )
                results[index] = _failed(index, row["record_id"], "conflict", conflict)
        await AlertRepository(self.session).raise_signals([s for _, s in signals.values()])
        for index, signal in signals.values():
            results[index].raised.append(signal.risk_code)
        items = [results[i] for i in sorted(results)]
        count = lambda status: sum(r.status == status for r in items)  # noqa: E731
        return PartnerBatchResult(
            created=count("created"),
            duplicates=count("duplicate"),
            unknown_ids=count("unknown_id"),
            failed=count("invalid") + count("conflict"),
            items=items,
        )

    async def _insert(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        if not rows:
            return set()
        statement = (
            insert(PartnerRecord)
            .values(sorted(rows, key=lambda r: r["record_id"]))
            .on_conflict_do_nothing(index_elements=["partner_id", "kind", "record_id"])
            .returning(PartnerRecord.id)
        )
        return set((await self.session.execute(statement)).scalars())

    async def _known(self, partner_id: str, kind: FeedKind, record_ids: list[str]) -> dict[str, bytes]:
        if not record_ids:
            return {}
        rows = await self.session.execute(
            select(PartnerRecord.record_id, PartnerRecord.content_sha256).where(
                PartnerRecord.partner_id == partner_id,
                PartnerRecord.kind == kind.value,
                PartnerRecord.record_id.in_(record_ids),  # type: ignore[attr-defined]
            )
        )
        return {r.record_id: r.content_sha256 for r in rows}

    async def _signal(self, kind: FeedKind, record: PartnerRecordIn, row: dict[str, Any]) -> Signal | None:
        finding = await self._finding(kind, record, row)
        if finding is None:
            return None
        code, severity, reason, threshold = finding
        return Signal(
            household_id=row["household_id"],
            area_code=row["area_code"],
            risk_code=code.value,
            severity=severity.value,
            reason=reason,
            rule_version=f"partner_{kind.value}@1",
            source=AlertSource.partner.value,
            source_id=str(row["id"]),
            raised_at=datetime.now(UTC),
            threshold_id=threshold.id if threshold else None,
            threshold_version=threshold.version if threshold else None,
        )

    async def _finding(self, kind: FeedKind, record: PartnerRecordIn, row: dict[str, Any]):  # noqa: ANN202
        day = record.occurred_on.isoformat()
        if kind == FeedKind.medical:
            year = record.occurred_on.year
            thresholds = await ThresholdRepository(self.session).in_force(row["area_code"], year)
            if thresholds is None:
                return None
            spent = await self._medical_spending(row["household_id"], year)
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

    async def _medical_spending(self, household_id: uuid.UUID, year: int) -> Decimal:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(PartnerRecord.data["out_of_pocket"].as_float()), 0)).where(
                PartnerRecord.household_id == household_id,
                PartnerRecord.kind == FeedKind.medical.value,
                func.extract("year", PartnerRecord.occurred_on) == year,
            )
        )
        return Decimal(str(total)).quantize(Decimal("0.01"))


def _failed(index: int, record_id: object, status: str, exc: FangpinError) -> PartnerItemResult:
    rid = record_id if isinstance(record_id, str) and len(record_id) <= 64 else None
    return PartnerItemResult(index=index, record_id=rid, status=status, error=exc.to_problem())  # type: ignore[arg-type]
