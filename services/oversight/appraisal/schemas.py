"""Appraisal: the scheme set and read, and the scores."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, whole
from services.common.text import CleanText, IsoDate
from services.oversight.appraisal.indicators import Indicator, Level

Percent = Annotated[int, *whole(0, 100)]


class IndicatorRule(StrictBody):
    indicator: Indicator = Field(description=Indicator.describe())
    weight: Annotated[int, *whole(1, 100)] = Field(
        description="Its share of the total; a scheme's sum to 100"
    )
    full_at: Annotated[int, *whole(1, 100)] = Field(description="Full marks at or above this share (percent)")
    zero_below: Percent = Field(
        default=0, description="No marks below this share (percent); linear from here up to full_at"
    )

    @model_validator(mode="after")
    def _floor_below_full(self) -> IndicatorRule:
        if self.zero_below >= self.full_at:
            raise ValueError("zero_below must be below full_at")
        return self


class SchemeSet(StrictBody):
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN,
        description="The area it applies to (your county, or an area in it); the most specific area's "
        "scheme in force applies to a unit's village",
    )
    year: Annotated[int, *whole(2000, 2100)]
    level: Level = Field(description=Level.describe())
    effective_from: IsoDate | None = Field(
        default=None,
        description="In force from this day of the year (default 1 January); not before the scheme in force "
        "for the area (its own or one above) starts, so earlier dates' scores stay as they were",
    )
    indicators: list[IndicatorRule] = Field(
        min_length=1,
        max_length=5,
        description="Each indicator once, weights summing to 100; a cadre is appraised on visit_compliance "
        "and days_in_village only",
    )
    note: Annotated[CleanText, Field(max_length=500)] | None = None


class SchemeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    year: int
    level: str
    version: int = Field(description="1 for an area's first scheme of a year and level, then 2, 3 …")
    effective_from: date
    indicators: list[IndicatorRule]
    note: str | None
    created_by: str
    created_at: datetime


class IndicatorScore(BaseModel):
    indicator: str
    label: str
    weight: int
    full_at: int
    zero_below: int
    status: Literal["scored", "not_applicable", "missing"] = Field(
        description="scored; not_applicable: nothing to count (left out of the total); missing: the figure "
        "could not be read (left out of the total, named in the unit's `missing`)"
    )
    figures: dict[str, int] = Field(description="The figures it used, as their source gave them")
    source: str = Field(description="Where the figures came from (service and endpoint, area, date)")
    ratio_pct: float | None = Field(description="The share the score is read from, in percent")
    score: float | None = Field(description="Out of 100")
    points: float | None = Field(description="score × weight ÷ 100")
    reason: str


class UnitScore(BaseModel):
    unit_id: uuid.UUID | None = Field(description="The team or member; null for a village")
    name: str
    village_code: str
    cadre_id: uuid.UUID | None = Field(default=None, description="A member's registry cadre, if any")
    scheme_id: uuid.UUID | None = Field(description="The version used; null: no scheme in force")
    scheme_area_code: str | None
    scheme_version: int | None
    total: float | None = Field(
        description="Points earned out of the weights scored, on 100; null when nothing was scored"
    )
    complete: bool = Field(description="Every indicator of the scheme was scored or had nothing to count")
    missing: list[str] = Field(description="Indicators whose figures could not be read")
    indicators: list[IndicatorScore]
    reason: str


class AppraisalScores(BaseModel):
    area_code: str
    as_of: date
    year: int
    level: str
    items: list[UnitScore] = Field(description="Each unit of the level in the area, highest total first")
