"""The area's relocation figures (GET /api/v1/relocation-stats): counts and sums only."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class RelocationTotals(BaseModel):
    settlements: int
    planned_households: int
    planned_relocated: int
    planned_turnkey: int
    signed_up: int
    paid_households: int
    paid_fen: int
    handed_over: int
    moved_in: int
    demolished: int
    late_payment: int
    settlements_late: int = Field(description="Settlements past a plan's date of their building")


class SettlementRow(BaseModel):
    settlement_id: str
    settlement_name: str
    area_code: str = Field(description="The village it stands in")
    build_status: str
    label: str = Field(description="The build status in Chinese (建设进度)")
    planned_households: int
    planned_relocated: int
    planned_turnkey: int
    signed_up: int
    paid_households: int
    paid_fen: int
    moved_in: int
    demolished: int
    late_payment: int


class RelocationStats(BaseModel):
    area_code: str
    as_of: date
    relocation: RelocationTotals
    by_settlement: list[SettlementRow]
