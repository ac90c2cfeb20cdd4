"""Programme and category periods (低保, 特困, 脱贫户 …) of a household or one of its members."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.common.text import CleanText, IsoDate
from services.registry.codes import Programme


class MembershipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: uuid.UUID | None = Field(default=None, description="Client UUID; a retry returns the first result")
    household_id: uuid.UUID
    person_id: uuid.UUID | None = Field(default=None, description="Only this member; none = the household")
    programme: Programme = Field(
        description=f"{Programme.describe()}. Not `monitored` (422 `category_follows_cases`): 监测户 "
        "periods are kept from monitoring's cases (enrolment, elimination; past cases: "
        "POST /api/v1/case-imports), and neither started nor ended here"
    )
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    note: CleanText | None = Field(default=None, max_length=200)


class MembershipEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_on: IsoDate = Field(description="Last day in the programme")


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    person_id: uuid.UUID | None
    area_code: str
    programme: Programme
    starts_on: date
    ends_on: date | None
    note: str | None
    created_at: datetime
