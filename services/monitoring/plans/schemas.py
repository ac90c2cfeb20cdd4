"""Plans for everyone (一户一方案、一人一措施): a household's measures with or without a case, and how many
脱贫户 have a current plan (coverage) per area on a day."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from services.monitoring.measures.schemas import MeasureRead

Plannable = Literal["escaped", "monitored", "marginal"]
CoveredCategory = Literal["escaped", "monitored"]


class HouseholdPlan(BaseModel):
    household_id: uuid.UUID
    current: int = Field(description="Measures in force today (not cancelled, started, not ended)")
    measures: list[MeasureRead] = Field(description="Every measure, of a case or not, by start date")


class CoverageCount(BaseModel):
    area_code: str = Field(description="A village's code, or the area asked for the totals")
    name: str | None = Field(default=None, description="The village's name (the registry's)")
    households: int = Field(description="Households of the category on the day")
    planned: int = Field(description="Of them, those with a measure in force that day")
    share: float | None = Field(description="planned / households, 0–1 (none when there are none)")


class PlanCoverage(BaseModel):
    """A measure is in force on a day when it is not cancelled, started by then and not ended before."""

    area_code: str
    as_of: date
    category: CoveredCategory = Field(description="escaped 脱贫户 (default) or monitored 监测户")
    total: CoverageCount
    by_village: list[CoverageCount]
