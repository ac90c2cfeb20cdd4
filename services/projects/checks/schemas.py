"""Assets' checks reported from phones: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import StrictBody
from services.common.labels import LabelledEnum
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText
from services.projects.codes import CheckResult
from services.projects.schemas import Year

Ref = Annotated[NonBlankText, Field(max_length=200)]


class ReportKind(LabelledEnum):
    yearly = "yearly", "年度核查清算"
    upkeep = "upkeep", "管护巡查"


class CheckReport(StrictBody):
    """An asset's check seen on site and reported from a phone, perhaps kept offline for days."""

    id: uuid.UUID = Field(description="The phone's UUID of the report: sent again, it is the same report")
    asset_id: uuid.UUID = Field(description="The asset, in your area")
    kind: ReportKind = Field(description=ReportKind.describe())
    year: Year | None = Field(
        default=None, description="yearly: the year checked (its check is recorded by this report)"
    )
    checked_on: IsoDate = Field(description="The day it was checked; not in the future")
    result: CheckResult = Field(description=CheckResult.describe())
    problem: Annotated[NonBlankText, Field(max_length=500)] | None = Field(
        default=None, description="Required when a problem was found"
    )
    photo_refs: list[Ref] = Field(min_length=1, max_length=10, description="References to its photos")

    @model_validator(mode="after")
    def _consistent(self) -> CheckReport:
        if (self.kind is ReportKind.yearly) != (self.year is not None):
            raise ValueError("a yearly check names its year, and only a yearly check does")
        if (self.result is CheckResult.problem) != (self.problem is not None):
            raise ValueError("a problem found is described, and only then")
        return self


class CheckReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    area_code: str = Field(description="The asset's area")
    kind: ReportKind
    year: int | None
    checked_on: date
    result: CheckResult
    problem: str | None
    photo_refs: list[str]
    reported_by: str
    reported_at: datetime


class CheckReportResult(BaseModel):
    index: int
    id: uuid.UUID | None = Field(default=None, description="The item's id (null: sent without one, refused)")
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class CheckReportBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[CheckReportResult]


# Each a report as for POST /api/v1/asset-checks, checked on its own: a bad item is answered in the
# result, never fatal to the batch.
CheckReportItem = Annotated[dict[str, Any], CheckedAlone(CheckReport)]


class CheckReportBatch(StrictBody):
    items: list[CheckReportItem] = Field(min_length=1, max_length=1000)
