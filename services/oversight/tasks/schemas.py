"""Rectification items: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, whole
from services.common.text import CleanText, IsoDate, NonBlankText
from services.oversight.schemas import Phone
from services.oversight.tasks.workflow import ItemAction, ItemState, Source

LongText = Annotated[NonBlankText, Field(max_length=2000)]
Reason = Annotated[NonBlankText, Field(max_length=500)]
FileRef = Annotated[CleanText, Field(min_length=1, max_length=200)]


class MilestoneCreate(StrictBody):
    label: Annotated[NonBlankText, Field(max_length=100)] = Field(description="e.g. 收到交办 / 形成方案初稿")
    due_on: IsoDate


class ItemCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The area the problem lies in")
    source: Source = Field(description=Source.describe())
    title: Annotated[NonBlankText, Field(max_length=200)]
    problem: LongText = Field(description="The problem found (问题)")
    measures: LongText = Field(description="The rectification measures (整改措施)")
    unit_id: uuid.UUID | None = Field(
        default=None, description="The responsible support unit (a unit in your area), or give unit_name"
    )
    unit_name: Annotated[NonBlankText, Field(max_length=200)] | None = Field(
        default=None, description="The responsible unit in words (责任单位), where it is no support unit"
    )
    person_name: Annotated[NonBlankText, Field(max_length=100)] = Field(description="责任人")
    person_phone: Phone | None = None
    received_on: IsoDate = Field(description="When the item was received (交办日期)")
    deadline: IsoDate = Field(description="整改时限")
    milestones: list[MilestoneCreate] = Field(default=[], max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> ItemCreate:
        if (self.unit_id is None) == (self.unit_name is None):
            raise ValueError("give unit_id or unit_name, one of them")
        if self.deadline < self.received_on:
            raise ValueError("the deadline is before the item was received")
        for milestone in self.milestones:
            if not self.received_on <= milestone.due_on <= self.deadline:
                raise ValueError("a milestone falls between received_on and the deadline")
        return self


class ReportCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    reported_on: IsoDate
    text: LongText = Field(description="What was done (整改进展)")
    attachments: list[FileRef] = Field(
        default=[], max_length=20, description="References to photos or files kept as evidence"
    )
    milestone: Annotated[int, *whole(0, 19)] | None = Field(
        default=None, description="The position of the milestone this report completes, if any"
    )


class SubmitBody(StrictBody):
    note: Reason | None = None


class ReviewBody(StrictBody):
    decision: Literal["close", "send_back"] = Field(
        description="close (销号) or send_back (退回, with a reason)"
    )
    reason: Reason | None = None
    on: IsoDate | None = Field(
        default=None,
        description="close only: the day it was closed (销号日期), for a paper record entered later; default "
        "today; not in the future nor before its last progress report",
    )

    @property
    def action(self) -> ItemAction:
        return ItemAction(self.decision)

    @model_validator(mode="after")
    def _decision(self) -> ReviewBody:
        if self.decision == "send_back" and self.reason is None:
            raise ValueError("sending back says why (reason)")
        if self.decision == "send_back" and self.on is not None:
            raise ValueError("on is the day an item was closed: give it only to close")
        return self


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    label: str
    due_on: date
    done_on: date | None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reported_on: date
    text: str
    attachments: list[str]
    milestone: int | None
    created_by: str
    created_at: datetime


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str
    to_state: str
    actor_id: str
    actor_scope: str
    reason: str | None
    at: datetime


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    source: str
    title: str
    problem: str
    measures: str
    unit_id: uuid.UUID | None
    unit_name: str
    person_name: str
    person_phone: str | None
    received_on: date
    deadline: date
    state: str = Field(description=ItemState.describe())
    submitted_scope: str | None = Field(description="The area of the account that submitted it")
    submitted_at: datetime | None
    closed_on: date | None
    report_count: int
    created_at: datetime
    milestones: list[MilestoneRead] = []
    reports: list[ReportRead] = []
    steps: list[StepRead] = []
    actions: list[str] = Field(default=[], description="The steps you may take now")


class ItemSummary(BaseModel):
    """An item in a list (no reports or steps)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    source: str
    title: str
    unit_id: uuid.UUID | None
    unit_name: str
    person_name: str
    received_on: date
    deadline: date
    state: str
    closed_on: date | None
    report_count: int = Field(description="Progress reports so far")


class OverdueGroup(BaseModel):
    area_code: str
    unit_name: str
    person_name: str
    items: int
    days_overdue_max: int = Field(description="Days past the deadline of the longest overdue item")


class OverdueList(BaseModel):
    as_of: date
    area_code: str
    items: int
    groups: list[OverdueGroup] = Field(description="Per area and owner (unit and person)")
