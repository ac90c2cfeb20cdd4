"""The relocation ledger (搬迁台账): one row per household signed up for a settlement of the area, with
its village (code and name), its unit, down-payment due and paid, handover, move-in and demolition,
and whether its payment is late. A county has hundreds of such households, so the file is written from
one read (no export job); the village names come from the registry first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.division_names import name_of
from services.common.scope import area_label
from services.common.spreadsheets import Column
from services.projects.registry import area_names
from services.projects.relocation.figures import tallies
from services.projects.relocation.models import Relocatee, Settlement, UnitType
from services.projects.relocation.repository import SettlementRepository

SHEET_NAME = "搬迁台账"


@dataclass
class Row:
    """Plain values: the file is written after the request's session is gone."""

    settlement: str
    settlement_area: str
    household_id: str
    area_code: str
    unit: str
    floor_area_m2: int
    turnkey: bool
    signed_on: date
    due_fen: int
    paid_fen: int
    late: bool
    handed_over_on: date | None
    moved_in_on: date | None
    demolished_on: date | None

    @classmethod
    def of(cls, settlement: Settlement, h: Relocatee, unit: UnitType, paid_fen: int, late: bool) -> Row:
        return cls(
            settlement.name,
            settlement.area_code,
            str(h.household_id),
            h.area_code,
            unit.name,
            unit.floor_area_m2,
            unit.turnkey,
            h.signed_on,
            h.down_payment_due_fen,
            paid_fen,
            late,
            h.handed_over_on,
            h.moved_in_on,
            h.demolished_on,
        )


def _yes(value: bool) -> str:
    return "是" if value else "否"


def columns(areas: Mapping[str, str]) -> list[Column]:
    return [
        Column("安置点", lambda r: r.settlement, 24),
        Column("安置点村代码", lambda r: r.settlement_area, 14),
        Column("安置点村名称", lambda r: name_of(r.settlement_area, areas), 12),
        Column("户ID", lambda r: str(r.household_id), 38),
        Column("户籍村代码", lambda r: r.area_code, 14),
        Column("户籍村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("户型", lambda r: r.unit, 24),
        Column("面积（㎡）", lambda r: r.floor_area_m2, 10, "number"),
        Column("交钥匙", lambda r: _yes(r.turnkey), 8),
        Column("签约日期", lambda r: r.signed_on, 12, "date"),
        Column("应缴首付（分）", lambda r: r.due_fen, 14, "number"),
        Column("已缴首付（分）", lambda r: r.paid_fen, 14, "number"),
        Column("首付逾期", lambda r: _yes(r.late), 10),
        Column("交房日期", lambda r: r.handed_over_on, 12, "date"),
        Column("入住日期", lambda r: r.moved_in_on, 12, "date"),
        Column("拆旧日期", lambda r: r.demolished_on, 12, "date"),
    ]


HEADERS = [column.header for column in columns({})]


async def relocation_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    within: str,
    as_of: date,
    format: ledgers.Format,
) -> Response:
    """The ledger of the area ``within`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(within)
    audit_trail(session).record(
        "settlement.export",
        "settlement",
        None,
        area_code=area,
        changes={"format": format, "as_of": str(as_of)},
    )
    settlements = await SettlementRepository(session).in_area(principal.scope_prefix, within)
    rows: list[Row] = []
    for tally in await tallies(session, settlements, principal.scope_prefix, as_of):
        units = {u.id: u for u in tally.types}
        late = {h.id for h in tally.late_payers(as_of)}
        for h in tally.households:
            paid = tally.paid.get(h.id, 0)
            rows.append(Row.of(tally.settlement, h, units[h.unit_type_id], paid, h.id in late))
    names = await area_names(request, {r.area_code for r in rows} | {s.area_code for s in settlements})

    async def partitions() -> AsyncIterator[Sequence[Any]]:
        yield rows

    return ledgers.ledger_file(f"relocation-{area}-{as_of}", format, SHEET_NAME, columns(names), partitions())
