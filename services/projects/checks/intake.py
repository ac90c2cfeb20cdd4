"""Assets' checks from phones on the one batch intake (services/common/intake): a phone's batch of what it
kept offline, or the single endpoint's one report, each answered alone and kept once by the phone's UUID.

A yearly report is the asset's check of that year (``asset_checks``, what the warnings and the ledger
read), written in the report's own savepoint: a year already checked is that item's 409 ``check_done``
and nothing of it is kept. An upkeep inspection is kept as the report alone."""

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
from services.projects.assets.models import Asset
from services.projects.assets.repository import AssetRepository
from services.projects.checks.repository import CheckReportRepository
from services.projects.checks.schemas import (
    CheckReport,
    CheckReportBatchResult,
    CheckReportResult,
    ReportKind,
)
from services.projects.codes import AssetState


@dataclass(eq=False)
class _Report(Entry):
    item: CheckReport
    key: uuid.UUID
    asset: Asset | None = None


class CheckReportIntake(BatchIntake[_Report, CheckReportResult]):
    model = CheckReport
    result_model = CheckReportResult
    entry_type = _Report
    invalid_detail = "Item {index} is not a valid check report"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.reports = CheckReportRepository(session)

    async def take(self, raws: Sequence[Any], principal: Principal) -> CheckReportBatchResult:
        items = await self.answer_items(raws, principal)
        return CheckReportBatchResult(**summary(items), items=items)

    def check(self, item: CheckReport, loc: list[str | int]) -> None:
        if item.checked_on > china_today():
            raise ValidationFailed.field(
                [*loc, "checked_on"], "checked_on is in the future", "date_in_future"
            )
        if item.year is not None and item.checked_on.year < item.year:
            raise ValidationFailed.field(
                [*loc, "checked_on"], "A year is checked in it or later", "date_too_early"
            )

    def digest(self, entry: _Report) -> bytes:
        return request_digest(entry.item)

    def conflict(self, key: Any) -> Conflict:
        return Conflict(f"Check report {key} was received with other content", code="report_id_in_use")

    async def stored(self, keys: list[Any]) -> dict[Any, bytes]:
        return self.in_scope(await self.reports.digests(keys))

    async def admit(self, entries: list[_Report], refuse: Refuse) -> None:
        """Each report's asset: in the caller's area, not disposed, formed by the day checked."""
        wanted = list({e.item.asset_id for e in entries})
        assets = await self.reports.assets_in_scope(wanted, self.principal.scope_prefix)
        for e in entries:
            asset = assets.get(e.item.asset_id)
            if asset is None:
                no_asset = f"No asset {e.item.asset_id} in your area"
                refuse(e, ValidationFailed.field([*e.loc, "asset_id"], no_asset, "asset_not_found"))
            elif asset.state == AssetState.disposed.value:
                refuse(e, Conflict("A disposed asset is not checked", code="asset_disposed"))
            elif e.item.checked_on < asset.formed_on:
                early = f"checked_on is before the asset's forming ({asset.formed_on})"
                refuse(e, ValidationFailed.field([*e.loc, "checked_on"], early, "date_too_early"))
            else:
                e.asset = asset

    async def insert(self, entries: list[_Report]) -> set[Any]:
        """Report by report, each in a savepoint with the year's check it records."""
        inserted: set[Any] = set()
        checks = AssetRepository(self.session)
        for e in sorted(entries, key=lambda e: str(e.key)):
            assert e.asset is not None
            async with self.session.begin_nested() as savepoint:
                if not await self._insert_report(e):
                    continue  # a concurrent copy stored it: answered by its digest
                if e.item.kind is ReportKind.yearly and not await checks.insert_check(
                    {
                        "asset_id": e.asset.id,
                        "year": e.item.year,
                        "checked_on": e.item.checked_on,
                        "result": e.item.result.value,
                        "problem": e.item.problem,
                        "checked_by": self.principal.id,
                    }
                ):
                    await savepoint.rollback()
                    done = f"The asset's {e.item.year} check is recorded already"
                    self.refuse(e, Conflict(done, code="check_done"))
                    continue
                inserted.add(e.key)
        return inserted

    async def _insert_report(self, e: _Report) -> bool:
        assert e.asset is not None
        item = e.item
        values = {
            "id": e.key,
            "asset_id": e.asset.id,
            "area_code": e.asset.area_code,
            "kind": item.kind.value,
            "year": item.year,
            "checked_on": item.checked_on,
            "result": item.result.value,
            "problem": item.problem,
            "photo_refs": list(item.photo_refs),
            "request_sha256": e.digest,
            "reported_by": self.principal.id,
        }
        return await self.reports.insert(values)

    async def created(self, entries: list[_Report]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            assert e.asset is not None
            item = e.item
            changes: dict[str, Any] = {
                "report": [
                    None,
                    {"id": str(e.key), "kind": item.kind.value, "on": str(item.checked_on)},
                ]
            }
            if item.year is not None:
                changes[f"check.{item.year}"] = [None, item.result.value]
            trail.record(
                "asset.check_report", "asset", str(e.asset.id), area_code=e.asset.area_code, changes=changes
            )
