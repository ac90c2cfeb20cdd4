"""Support units, work teams and their members, check-ins and targets: request and response bodies
(the figures: ``stats``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, Bool, Float, StrictBody, whole
from services.common.openapi import CheckedAlone
from services.common.text import CleanText, IsoDate, IsoDateTime, NonBlankText
from services.oversight.codes import Duty, TeamRole, UnitLevel

Name = Annotated[NonBlankText, Field(max_length=200)]
PersonName = Annotated[NonBlankText, Field(max_length=100)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9-]{5,20}$")]
Year = Annotated[int, *whole(2000, 2100)]
VillageCode = Annotated[str, Field(pattern=AREA_CODE_PATTERN)]


class UnitCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    name: Name = Field(description="帮扶单位")
    level: UnitLevel = Field(description=UnitLevel.describe())
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The area that keeps the unit's record")
    villages: list[VillageCode] = Field(
        min_length=1, max_length=200, description="The villages it supports, each within area_code"
    )

    @model_validator(mode="after")
    def _distinct(self) -> UnitCreate:
        if len(set(self.villages)) != len(self.villages):
            raise ValueError("each village appears once")
        return self


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    level: str
    area_code: str
    villages: list[str]
    created_at: datetime


class MemberCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID for the member")
    name: PersonName
    role: TeamRole = Field(description=TeamRole.describe())
    duty: Duty = Field(default=Duty.work_team, description=Duty.describe())
    unit_id: uuid.UUID | None = Field(default=None, description="The member's own unit; default: the team's")
    phone: Phone | None = None
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    cadre_id: uuid.UUID | None = Field(
        default=None, description="The registry's cadre, where the member is one: a cadre in your area"
    )


class TeamCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    village_code: VillageCode
    unit_id: uuid.UUID = Field(description="The unit that sends the team; it must support the village")
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    members: list[MemberCreate] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> TeamCreate:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        for member in self.members:
            if member.ends_on and member.ends_on < member.starts_on:
                raise ValueError("a member's ends_on is before their starts_on")
        if sum(m.role is TeamRole.first_secretary for m in self.members) > 1:
            raise ValueError("a team has one first secretary (第一书记)")
        return self


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    role: str
    duty: str
    unit_id: uuid.UUID | None
    phone: str | None
    starts_on: date
    ends_on: date | None
    cadre_id: uuid.UUID | None


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    village_code: str
    unit_id: uuid.UUID
    starts_on: date
    ends_on: date | None
    created_at: datetime
    members: list[MemberRead] = []


class CheckInCreate(StrictBody):
    id: uuid.UUID = Field(description="The phone's UUID: a retry of the same check-in is answered 200")
    member_id: uuid.UUID
    at: IsoDateTime = Field(description="When, with its zone offset; not in the future")
    latitude: Float = Field(ge=-90, le=90)
    longitude: Float = Field(ge=-180, le=180)
    photo_ref: Annotated[CleanText, Field(max_length=200)] | None = None


class CheckInRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    village_code: str
    at: datetime
    day: date
    latitude: float
    longitude: float
    photo_ref: str | None
    distance_m: int | None = Field(description="From the village's point; null: this check-in set the point")
    far: bool = Field(
        description="Farther from the village than FANGPIN_OVERSIGHT_FAR_CHECK_IN_M: kept, flagged"
    )


MAX_BATCH = 1000
# Each item is checked alone (a bad one is answered invalid, never fatal to the batch), so the body
# takes any objects; documented as the CheckInCreate each must be.
BatchItem = Annotated[dict[str, Any], CheckedAlone(CheckInCreate)]


class CheckInBatch(StrictBody):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class CheckInItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    village_code: str | None = Field(default=None, description="For a created item: the member's village")
    distance_m: int | None = Field(default=None, description="For a created item: from the village's point")
    far: bool | None = Field(default=None, description="For a created item: kept, but flagged far")
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class CheckInBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[CheckInItemResult]


class LeaveCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    member_id: uuid.UUID
    starts_on: IsoDate
    ends_on: IsoDate
    reason: Annotated[NonBlankText, Field(max_length=500)]

    @model_validator(mode="after")
    def _ordered(self) -> LeaveCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if (self.ends_on - self.starts_on).days > 366:
            raise ValueError("a leave is at most a year")
        return self


class LeaveDecision(StrictBody):
    approve: Bool = Field(description="true: approved (批准); false: refused, with a note")
    note: Annotated[NonBlankText, Field(max_length=500)] | None = None


class LeaveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    village_code: str
    starts_on: date
    ends_on: date
    reason: str
    state: str
    created_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class TargetSet(StrictBody):
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="Applies to villages within this area")
    year: Year
    duty: Duty = Field(description=Duty.describe())
    days_per_year: Annotated[int, *whole(0, 366)] | None = None
    days_per_week: Annotated[int, *whole(0, 7)] | None = None

    @model_validator(mode="after")
    def _one(self) -> TargetSet:
        if (self.days_per_year is None) == (self.days_per_week is None):
            raise ValueError("give days_per_year or days_per_week, not both")
        return self


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_code: str
    year: int
    duty: str
    days_per_year: int | None
    days_per_week: int | None
    set_by: str
    set_at: datetime
