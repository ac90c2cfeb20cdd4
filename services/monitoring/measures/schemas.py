"""Assistance measures (一户一方案、一人一措施) of enrolled households."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import StrictBody, Version, money
from services.common.text import IsoDate, NonBlankText

MeasureKind = Literal[
    "industry",
    "employment",
    "health",
    "education",
    "housing",
    "water",
    "safety_net",
    "micro_credit",
    "welfare_post",
    "other",
]
MeasureStatus = Literal["planned", "in_progress", "done", "cancelled"]


class MeasureCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    person_id: uuid.UUID | None = Field(
        default=None, description="For one member (一人一措施); none: the household"
    )
    kind: MeasureKind = Field(
        description="industry 产业, employment 就业, health 健康, education 教育, housing 住房, water 饮水, "
        "safety_net 兜底保障, micro_credit 小额信贷, welfare_post 公益岗, other 其他",
    )
    description: Annotated[NonBlankText, Field(max_length=1000)]
    cadre_id: uuid.UUID | None = Field(default=None, description="The responsible cadre (帮扶责任人)")
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    amount: Annotated[Decimal, *money()] | None = Field(default=None, description="Money involved, yuan")


class MeasureUpdate(StrictBody):
    base_version: Version
    status: MeasureStatus | None = None
    ends_on: IsoDate | None = None
    amount: Annotated[Decimal, *money()] | None = None
    description: Annotated[NonBlankText, Field(max_length=1000)] | None = None


class MeasureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID | None = Field(description="The case it belongs to; none: the household's plan alone")
    household_id: uuid.UUID
    area_code: str
    person_id: uuid.UUID | None
    kind: str
    description: str
    cadre_id: uuid.UUID | None
    starts_on: date
    ends_on: date | None
    amount: Decimal | None
    status: str
    created_by: str
    created_at: datetime
    version: int
