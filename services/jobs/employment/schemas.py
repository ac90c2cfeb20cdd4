"""Employment records as clients post them, the per-item answers, and records as read back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, StrictBody, money
from services.common.openapi import CheckedAlone
from services.common.text import CleanText, IsoDate
from services.jobs.employment.codes import EmploymentStatus, InformationSource

MonthlyIncome = Annotated[Decimal, *money(1_000_000)]
Text50 = Annotated[CleanText, Field(max_length=50)]
Text100 = Annotated[CleanText, Field(max_length=100)]
Text200 = Annotated[CleanText, Field(max_length=200)]
Note = Annotated[CleanText, Field(max_length=500)]

NATIONAL_ID_PATTERN = r"^[0-9]{17}[0-9Xx]$"


class EmploymentRecordCreate(StrictBody):
    """What is known on ``reported_on`` about one person's work. ``id`` is made by the client, so a
    retry is recognised. Name the person by ``person_id`` (as synced from the registry) or, for
    systems that cannot read households (人社), by ``national_id``: one of the two."""

    id: uuid.UUID = Field(description="Made by the client when the record was written")
    person_id: uuid.UUID | None = Field(default=None, description="The registry's person id")
    national_id: str | None = Field(
        default=None,
        pattern=NATIONAL_ID_PATTERN,
        description="The person's ID number (matched in your area; never stored here)",
    )
    status: EmploymentStatus = Field(description=EmploymentStatus.describe())
    place_code: str | None = Field(
        default=None, pattern=AREA_CODE_PATTERN, description="Where the work is: a division code"
    )
    place_name: Text100 | None = Field(
        default=None, description="Where the work is, in words (abroad: the country and city)"
    )
    employer: Text100 | None = Field(default=None, description="就业单位")
    industry: Text50 | None = Field(default=None, description="行业")
    started_on: IsoDate | None = Field(default=None, description="When this work began")
    ended_on: IsoDate | None = Field(default=None, description="When this work ended, if known")
    monthly_income: MonthlyIncome | None = Field(default=None, description="Yuan a month")
    source: InformationSource = Field(description=InformationSource.describe())
    reported_on: IsoDate = Field(description="The date of the information (信息日期)")
    job_intention: Text200 | None = Field(default=None, description="务工就业意愿")
    training_wanted: Text200 | None = Field(default=None, description="培训意愿")
    note: Note | None = None


MAX_BATCH = 1000

# Each item is checked alone (a bad one is answered invalid, never fatal to the batch), so the body
# takes any objects; documented as the EmploymentRecordCreate each must be.
BatchItem = Annotated[dict[str, Any], CheckedAlone(EmploymentRecordCreate)]


class EmploymentBatch(StrictBody):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


ItemStatus = Literal["created", "duplicate", "conflict", "invalid", "forbidden"]


class EmploymentItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: ItemStatus
    events: list[str] | None = Field(
        default=None,
        description="For a created item: the events it published "
        "(employment.returned_home, employment.job_lost)",
    )
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class EmploymentBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[EmploymentItemResult]


class EmploymentRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village when the record was made")
    household_category: str = Field(description="The household's category then: escaped, monitored, ordinary")
    status: EmploymentStatus
    place_code: str | None
    place_name: str | None
    employer: str | None
    industry: str | None
    started_on: date | None
    ended_on: date | None
    monthly_income: MonthlyIncome | None
    source: InformationSource
    reported_on: date
    job_intention: str | None
    training_wanted: str | None
    note: str | None
    recorded_by: str
    recorded_by_name: str
    created_at: datetime


def json_number(value: Decimal | None) -> int | float | None:
    """Money in an event payload: a JSON number, not text."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
