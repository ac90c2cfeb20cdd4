"""Settlements, their households, down-payments and the phones' reports: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, Bool, StrictBody, Version, whole
from services.common.labels import LabelledEnum
from services.common.openapi import CheckedAlone
from services.common.text import CleanText, IsoDate, NonBlankText
from services.projects.schemas import Fen, Name, PositiveFen

WAN_FEN = 10_000 * 100  # 1万元 in fen
Ref = Annotated[NonBlankText, Field(max_length=200)]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="A short code of your own")]


class RelocationReportKind(LabelledEnum):
    """What a phone records of a relocated household, once each."""

    handed_over = "handed_over", "交房"
    moved_in = "moved_in", "搬迁入住"
    demolished = "demolished", "旧房拆除（拆旧）"


class WarningKind(LabelledEnum):
    late_payment = "late_payment", "首付款逾期未缴足"
    late_main_structure = "late_main_structure", "主体逾期未竣工"
    late_completion = "late_completion", "逾期未完工"


class BuildStatus(LabelledEnum):
    """Where the building stands: the project's own steps, with the main structure (主体) between."""

    not_started = "not_started", "未开工"
    started = "started", "已开工"
    main_structure_done = "main_structure_done", "主体竣工"
    completed = "completed", "已完工"
    cancelled = "cancelled", "已取消"


class UnitTypeIn(StrictBody):
    code: Code
    name: Name = Field(description="e.g. 两户连体二层 131㎡, or 特困户交钥匙 50㎡")
    floor_area_m2: Annotated[int, *whole(1, 1000)] = Field(description="Floor area of one unit, whole ㎡")
    cost_ceiling_fen_per_m2: PositiveFen = Field(description="造价上限 per ㎡, in fen (1,000元 = 100000)")
    turnkey: Bool = Field(description="交钥匙工程: handed over ready, no down-payment due")
    planned_units: Annotated[int, *whole(0, 100_000)] = Field(description="Units planned (规划户数)")


class SettlementCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    project_id: uuid.UUID = Field(
        description="The project that builds it (sector 定居/危旧房改造), in your area"
    )
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN, description="The village it stands in: the project's area or below it"
    )
    name: Name = Field(description="e.g. 显月寺集中安置点")
    min_down_payment_fen: Fen = Field(
        default=3 * WAN_FEN, description="The least down-payment (首付) of a unit not turnkey, in fen"
    )
    payment_due_on: IsoDate = Field(description="Down-payments are due by this day")
    main_structure_due_on: IsoDate = Field(description="The main structure (主体) is to be done by this day")
    unit_types: list[UnitTypeIn] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _codes_once(self) -> SettlementCreate:
        if len({u.code for u in self.unit_types}) != len(self.unit_types):
            raise ValueError("each unit type's code appears once")
        return self


class SettlementUpdate(StrictBody):
    base_version: Version
    name: Name | None = None
    min_down_payment_fen: Fen | None = Field(
        default=None, description="Households signed up already keep the down-payment they signed for"
    )
    payment_due_on: IsoDate | None = None
    main_structure_due_on: IsoDate | None = None
    main_structure_done_on: IsoDate | None = Field(
        default=None, description="The day the main structure was done (主体竣工); not in the future"
    )


class UnitTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    floor_area_m2: int
    cost_ceiling_fen_per_m2: int
    turnkey: bool
    planned_units: int
    signed_up: int = Field(default=0, description="Households signed up for this type")


class SettlementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    area_code: str
    name: str
    min_down_payment_fen: int
    payment_due_on: date
    main_structure_due_on: date
    main_structure_done_on: date | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class SettlementDetail(SettlementRead):
    build_status: BuildStatus = Field(description=BuildStatus.describe())
    unit_types: list[UnitTypeRead] = []


class SignUp(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    household_id: uuid.UUID = Field(description="The registry's household, in your area")
    unit_type_id: uuid.UUID = Field(description="One of this settlement's unit types")
    signed_on: IsoDate = Field(description="The day it signed up (签约); not in the future")
    down_payment_due_fen: Fen | None = Field(
        default=None,
        description="Its down-payment due, in fen: at least the settlement's minimum (default: the "
        "minimum); a turnkey unit owes none (0)",
    )


class RelocateeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    settlement_id: uuid.UUID
    unit_type_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village")
    signed_on: date
    down_payment_due_fen: int
    paid_fen: int
    last_paid_on: date | None
    handed_over_on: date | None
    moved_in_on: date | None
    demolished_on: date | None
    created_by: str
    created_at: datetime


class DownPaymentCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    household_id: uuid.UUID = Field(description="A household signed up for this settlement, in your area")
    amount_fen: PositiveFen = Field(description="What it paid, in fen (分), above 0")
    paid_on: IsoDate = Field(description="The day paid; not in the future, not before it signed up")
    voucher: Annotated[NonBlankText, Field(max_length=100)] = Field(description="收据号")


class DownPaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    settlement_id: uuid.UUID
    relocatee_id: uuid.UUID
    area_code: str
    amount_fen: int
    paid_on: date
    voucher: str
    created_by: str
    created_at: datetime


class WarningRead(BaseModel):
    kind: WarningKind = Field(description=WarningKind.describe())
    settlement_id: uuid.UUID
    settlement_name: str
    area_code: str = Field(description="The household's village (late payment), else the settlement's")
    household_id: uuid.UUID | None = Field(description="late_payment: the household")
    due_on: date = Field(description="The plan's date passed")
    due_fen: int | None = Field(default=None, description="late_payment: down-payment due, fen")
    paid_fen: int | None = Field(default=None, description="late_payment: paid so far, fen")
    days_late: int


class RelocationReportIn(StrictBody):
    """A relocated household's handover, move-in or old house demolished, seen on site and recorded on
    a phone, perhaps offline for days."""

    id: uuid.UUID = Field(description="The phone's UUID of the report: sent again, it is the same report")
    settlement_id: uuid.UUID = Field(description="The settlement, in your area")
    household_id: uuid.UUID = Field(description="A household signed up for it, in your area")
    kind: RelocationReportKind = Field(description=RelocationReportKind.describe())
    happened_on: IsoDate = Field(description="The day it happened; not in the future nor before sign-up")
    note: Annotated[CleanText, Field(max_length=500)] | None = None
    photo_refs: list[Ref] = Field(min_length=1, max_length=10, description="References to its photos")


class RelocationReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    settlement_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    kind: RelocationReportKind
    happened_on: date
    note: str | None
    photo_refs: list[str]
    reported_by: str
    reported_at: datetime


class ReportResult(BaseModel):
    index: int
    id: uuid.UUID | None = Field(default=None, description="The item's id (null: sent without one, refused)")
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class ReportBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[ReportResult]


# Each a report as for POST /api/v1/relocation-reports, checked on its own: a bad item is answered in
# the result, never fatal to the batch.
ReportItem = Annotated[dict[str, Any], CheckedAlone(RelocationReportIn)]


class ReportBatch(StrictBody):
    items: list[ReportItem] = Field(min_length=1, max_length=1000)


class EmployedCount(BaseModel):
    status: str
    people: int


class FollowUp(BaseModel):
    """后续扶持: the relocated households' people by their work, as the jobs service records it."""

    people: int = Field(description="People of the relocated households with a work status recorded")
    working: int = Field(description="Of them working (away, local, a public-welfare post, self-employed)")
    by_status: list[EmployedCount]


class SettlementFigures(BaseModel):
    settlement_id: uuid.UUID
    name: str
    area_code: str
    as_of: date
    build_status: BuildStatus
    planned_households: int
    planned_relocated: int = Field(description="Units planned that are not turnkey (搬迁户)")
    planned_turnkey: int = Field(description="Turnkey units planned (交钥匙, 特困户)")
    signed_up: int
    paid_households: int = Field(description="Households that paid a down-payment by the date")
    paid_fen: int
    paid_in_full: int = Field(description="Households whose down-payment due is paid")
    handed_over: int
    moved_in: int
    demolished: int
    late_payment: int = Field(description="Households past the due date with their down-payment short")
    late: list[WarningKind] = Field(description="The settlement's building past the plan's dates")
    follow_up: FollowUp | None = Field(
        default=None, description="From the jobs service (null: it could not be asked, see missing)"
    )
    missing: str | None = Field(default=None, description="Why follow_up is null")
