"""Screening rounds (拉网式大排查): a county visits every household of a kind in an area within a window."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import StrictBody, Version
from services.common.text import IsoDate, NonBlankText

RoundHouseholds = Literal["all", "escaped", "monitored", "ordinary", "escaped_or_monitored"]
# Which registry categories each choice lists (None: every household).
CATEGORIES: dict[str, list[str] | None] = {
    "all": None,
    "escaped": ["escaped"],
    "monitored": ["monitored"],
    "ordinary": ["ordinary"],
    "escaped_or_monitored": ["escaped", "monitored"],
}
MAX_WINDOW_DAYS = 366


class RoundOpen(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    name: Annotated[NonBlankText, Field(max_length=100)]
    area_code: str = Field(pattern=r"^[0-9]{12}$", description="The area screened: yours or one below")
    starts_on: IsoDate
    ends_on: IsoDate = Field(description="The window's last day; visits from starts_on to this count")
    households: RoundHouseholds = Field(
        default="all",
        description="all 全部农户, escaped 脱贫户, monitored 监测户, ordinary 一般农户, escaped_or_monitored "
        "脱贫户和监测户: their category on starts_on, as the registry's periods say",
    )


class RoundClose(StrictBody):
    base_version: Version


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    area_code: str
    starts_on: date
    ends_on: date
    households: str
    due: int = Field(description="Households listed when the round opened")
    state: str = Field(description="open, or closed (its figures frozen)")
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    closed_as_of: date | None = Field(description="The day the frozen figures speak for")
    version: int


class RoundHouseholdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    round_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str = Field(description="Its village when the round opened")
    category: str = Field(description="escaped, monitored or ordinary on the round's first day")


class CoverageRow(BaseModel):
    key: str | None = Field(description="A village's code, or a cadre's id (none: households unpaired)")
    name: str | None = Field(default=None, description="The village's or cadre's name (the registry's)")
    due: int = Field(description="Households of the round")
    visited: int = Field(description="Of them, visited within the window up to the day")
    share: float | None = Field(description="visited / due, 0–1")


class RoundCoverage(BaseModel):
    round_id: uuid.UUID
    as_of: date = Field(description="For a closed round: the day it closed (or its last day)")
    frozen: bool = Field(description="A closed round's figures, as they stood when it closed")
    total: CoverageRow
    by_village: list[CoverageRow]
    by_cadre: list[CoverageRow] = Field(description="By the cadre paired with the household on the day")


class Unvisited(BaseModel):
    household_id: uuid.UUID
    area_code: str
    cadre_ids: list[uuid.UUID] = Field(description="Cadres paired with it on the day")
