"""Projects and their money: request and response bodies (their figures: ``stats``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, Bool, StrictBody, Version, whole
from services.common.text import CleanText, IsoDate, NonBlankText
from services.projects.codes import FundingSource, MovementKind, ProjectAction, ProjectState, Sector

Fen = Annotated[int, *whole(0, 10**14)]  # money in fen (分): 1 元 = 100
PositiveFen = Annotated[int, *whole(1, 10**14)]
Name = Annotated[NonBlankText, Field(max_length=200)]
Note = Annotated[CleanText, Field(max_length=500)]
Reason = Annotated[NonBlankText, Field(max_length=500)]
Document = Annotated[NonBlankText, Field(max_length=200)]
Year = Annotated[int, *whole(2000, 2100)]


class BudgetLine(StrictBody):
    source: FundingSource = Field(description=FundingSource.describe())
    budget_fen: Fen = Field(description="The budget from this source, in fen (分)")


def _one_line_per_source(lines: list[BudgetLine] | None) -> None:
    if lines is not None and len({line.source for line in lines}) != len(lines):
        raise ValueError("each funding source appears once in the budget")


class ProjectCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    year: Year = Field(description="The library year (项目库年度)")
    name: Name
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The village, town or county it serves")
    sector: Sector = Field(description=Sector.describe())
    implementing_unit: Name = Field(description="实施单位")
    entered_on: IsoDate = Field(description="The day it entered the library (入库), not in the future")
    planned_start_on: IsoDate | None = None
    planned_end_on: IsoDate | None = Field(default=None, description="Not before the planned start")
    grassroots: Bool | None = Field(
        default=None, description="Counts as grassroots (基层) money; default: true (a county or below)"
    )
    livelihood: Bool | None = Field(
        default=None, description="Counts as livelihood (民生) money; default: every sector but 产业 and 其他"
    )
    budget: list[BudgetLine] = Field(min_length=1, max_length=len(FundingSource), description="By source")
    note: Note | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ProjectCreate:
        _one_line_per_source(self.budget)
        if self.planned_start_on and self.planned_end_on and self.planned_end_on < self.planned_start_on:
            raise ValueError("planned_end_on is before planned_start_on")
        return self


class ProjectUpdate(StrictBody):
    """Corrections of what a project is (its steps, dates of steps and money go through their own calls)."""

    base_version: Version
    name: Name | None = None
    implementing_unit: Name | None = None
    grassroots: Bool | None = None
    livelihood: Bool | None = None
    note: Note | None = None


class ProjectActionRequest(StrictBody):
    action: ProjectAction = Field(description=ProjectAction.describe())
    on: IsoDate = Field(description="The day it happened: not in the future, not before the last step")
    reason: Reason | None = Field(default=None, description="Required to adjust or cancel")
    document: Document | None = Field(
        default=None,
        description="The document that ordered an adjustment or cancellation (文件/函): required",
    )
    planned_start_on: IsoDate | None = Field(default=None, description="An adjustment's new planned start")
    planned_end_on: IsoDate | None = Field(default=None, description="An adjustment's new planned end")
    budget: list[BudgetLine] | None = Field(
        default=None,
        max_length=len(FundingSource),
        description="An adjustment's new budget lines (others stay); not below what was received",
    )
    base_version: Version | None = Field(default=None, description="Or send If-Match")

    @model_validator(mode="after")
    def _one_line_each(self) -> ProjectActionRequest:
        _one_line_per_source(self.budget)
        return self


class FundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    budget_fen: int
    received_fen: int = Field(description="到位")
    paid_fen: int = Field(description="支付")


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str
    to_state: str
    taken_on: date
    reason: str | None
    document: str | None
    changes: str | None = Field(description="An adjustment's old → new values (JSON)")
    taken_by: str
    taken_at: datetime


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    name: str
    area_code: str
    sector: str
    implementing_unit: str
    grassroots: bool
    livelihood: bool
    state: ProjectState
    entered_on: date
    planned_start_on: date | None
    planned_end_on: date | None
    approved_on: date | None
    started_on: date | None
    completed_on: date | None
    accepted_on: date | None
    handed_over_on: date | None
    cancelled_on: date | None
    note: str | None
    funds: list[FundRead] = []
    budget_fen: int = Field(default=0, description="The whole budget, in fen")
    received_fen: int = 0
    paid_fen: int = 0
    actions: list[ProjectAction] = Field(default=[], description="The steps you may take now")
    asset_id: uuid.UUID | None = Field(
        default=None, description="The asset its hand-over (移交) formed: its value is what was paid"
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class ProjectDetail(ProjectRead):
    steps: list[StepRead] = []


class MovementCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    source: FundingSource = Field(description="The budget line it belongs to")
    kind: MovementKind = Field(description=MovementKind.describe())
    amount_fen: PositiveFen = Field(description="In fen (分)")
    on: IsoDate = Field(description="The day the money arrived or was paid; not in the future")
    voucher: Annotated[NonBlankText, Field(max_length=100)] = Field(description="凭证号 / 文号")


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    source: str
    kind: str
    amount_fen: int
    on: date = Field(validation_alias="moved_on")
    voucher: str
    created_by: str
    created_at: datetime


class ProjectWarning(BaseModel):
    """A project behind its plan on a date (its start or completion overdue), or an asset whose yearly
    check is undone past its deadline, or an asset notice whose period ended without a decision."""

    project_id: uuid.UUID | None = Field(description="The project (for an asset: the one it came from)")
    asset_id: uuid.UUID | None = None
    notice_id: uuid.UUID | None = None
    name: str
    area_code: str
    sector: str | None = Field(description="The project's sector (null for an asset)")
    kind: str = Field(
        description="`start_overdue` (开工滞后), `completion_overdue` (完工逾期), `asset_check_overdue` "
        "(资产核查逾期) or `notice_due` (公示期满待处理)"
    )
    label: str
    due_on: date = Field(description="The planned start or end, check deadline or notice end it has passed")
    days_overdue: int
