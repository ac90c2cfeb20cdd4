"""Assets, their checks, income and notices: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version
from services.common.text import IsoDate, NonBlankText
from services.projects.codes import (
    AssetKind,
    AssetState,
    CheckResult,
    NoticeState,
    NoticeSubject,
    OwnerType,
)
from services.projects.schemas import Document, Fen, Name, Reason, Year

Text = Annotated[NonBlankText, Field(max_length=1000)]
Ref = Annotated[NonBlankText, Field(max_length=200)]


def _titled_with_a_name(owner_type: OwnerType | None, owner_name: str | None) -> None:
    if (owner_type is None) != (owner_name is None):
        raise ValueError("a title (确权) names both the owner_type and the owner_name")


class AssetCreate(StrictBody):
    """An asset registered directly (one formed by a hand-over needs no call)."""

    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    project_id: uuid.UUID | None = Field(
        default=None, description="A handed-over project in your area it came from, if any"
    )
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The village, town or county it serves")
    name: Name
    kind: AssetKind = Field(description=AssetKind.describe())
    value_fen: Fen = Field(description="Its value, in fen (分)")
    formed_on: IsoDate = Field(description="The day it was formed; not in the future")
    owner_type: OwnerType | None = Field(default=None, description=OwnerType.describe())
    owner_name: Name | None = Field(default=None, description="The titled owner (确权), with owner_type")
    upkeep_owner: Name | None = Field(default=None, description="管护责任人/单位")

    @model_validator(mode="after")
    def _title(self) -> AssetCreate:
        _titled_with_a_name(self.owner_type, self.owner_name)
        return self


class AssetUpdate(StrictBody):
    """Titling (确权), the upkeep owner, or a correction of name, kind or value (audited old → new)."""

    base_version: Version
    name: Name | None = None
    kind: AssetKind | None = None
    value_fen: Fen | None = None
    owner_type: OwnerType | None = None
    owner_name: Name | None = None
    upkeep_owner: Name | None = None

    @model_validator(mode="after")
    def _title(self) -> AssetUpdate:
        _titled_with_a_name(self.owner_type, self.owner_name)
        return self


class CheckCreate(StrictBody):
    year: Year = Field(description="The year checked (核查清算 of that year, due by its end of March)")
    checked_on: IsoDate = Field(description="Not in the future")
    result: CheckResult = Field(description=CheckResult.describe())
    problem: Text | None = Field(default=None, description="Required when a problem was found")

    @model_validator(mode="after")
    def _described(self) -> CheckCreate:
        if (self.result is CheckResult.problem) != (self.problem is not None):
            raise ValueError("a problem found is described, and only then")
        return self


class IncomeSet(StrictBody):
    income_fen: Fen = Field(description="The year's income, in fen; not below what is noticed or distributed")


class Distribution(StrictBody):
    year: Year = Field(description="The income year it distributes (its income must be recorded)")
    to_households_fen: Fen = Field(description="To households (分红到户)")
    to_posts_fen: Fen = Field(description="To public-welfare post wages (公益岗位工资)")
    to_village_fen: Fen = Field(description="To the village collective (村集体)")
    to_other_fen: Fen = Field(default=0, description="Other uses")

    @property
    def total_fen(self) -> int:
        return self.to_households_fen + self.to_posts_fen + self.to_village_fen + self.to_other_fen


class Disposal(StrictBody):
    reason: Reason
    document: Document = Field(description="The approval (批复文件)")


class NoticeCreate(StrictBody):
    subject: NoticeSubject = Field(description=NoticeSubject.describe())
    place: Ref = Field(description="Where it is posted (公示地点)")
    posted_from: IsoDate
    posted_to: IsoDate = Field(description="The last day of the notice period")
    photo_ref: Ref | None = Field(default=None, description="A reference to a photo of the posted notice")
    distribution: Distribution | None = Field(default=None, description="For a distribution notice")
    disposal: Disposal | None = Field(default=None, description="For a disposal notice")

    @model_validator(mode="after")
    def _consistent(self) -> NoticeCreate:
        if self.posted_to < self.posted_from:
            raise ValueError("posted_to is before posted_from")
        if (self.subject is NoticeSubject.distribution) != (self.distribution is not None):
            raise ValueError("a distribution notice carries its distribution, and only it")
        if (self.subject is NoticeSubject.disposal) != (self.disposal is not None):
            raise ValueError("a disposal notice carries its disposal (reason and document), and only it")
        return self


class ObjectionCreate(StrictBody):
    raised_on: IsoDate
    text: Text


class ObjectionResolve(StrictBody):
    resolved_on: IsoDate
    resolution: Annotated[NonBlankText, Field(max_length=500)]


class NoticeAction(StrictBody):
    action: Literal["take_effect", "withdraw"] = Field(
        description="take_effect: after the period, with every objection resolved; withdraw: any time before"
    )
    on: IsoDate


class CheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    checked_on: date
    result: CheckResult
    problem: str | None
    checked_by: str


class IncomeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    income_fen: int
    pending_fen: int = Field(description="In distribution notices not yet in effect")
    distributed_fen: int


class AssetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID | None
    area_code: str
    name: str
    kind: AssetKind
    value_fen: int
    formed_on: date
    owner_type: OwnerType | None
    owner_name: str | None
    upkeep_owner: str | None
    state: AssetState
    disposed_on: date | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class AssetDetail(AssetRead):
    checks: list[CheckRead] = []
    incomes: list[IncomeRead] = []


class ObjectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    raised_on: date
    text: str
    resolved_on: date | None
    resolution: str | None


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    area_code: str
    subject: NoticeSubject
    place: str
    posted_from: date
    posted_to: date
    photo_ref: str | None
    state: NoticeState
    concluded_on: date | None
    year: int | None
    to_households_fen: int | None
    to_posts_fen: int | None
    to_village_fen: int | None
    to_other_fen: int | None
    reason: str | None
    document: str | None
    objections: list[ObjectionRead] = []
    created_by: str
    created_at: datetime
