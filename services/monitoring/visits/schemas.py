"""Visit compliance: each paired cadre visits each household within the interval (篇1: quarterly)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field


class OverdueVisit(BaseModel):
    cadre_id: uuid.UUID
    cadre_name: str
    household_id: uuid.UUID
    area_code: str
    last_visit_at: datetime | None = Field(description="The cadre's last visit (none: never since paired)")
    due_on: date
    days_overdue: int
    interval_days: int = Field(description="From the thresholds in force (visit_interval_days)")


class ComplianceCount(BaseModel):
    key: str = Field(description="A cadre's id, or a village's or town's area code")
    name: str | None = Field(default=None, description="The cadre's name")
    pairings: int
    overdue: int


class VisitCompliance(BaseModel):
    as_of: date
    pairings: int = Field(description="Cadre–household pairings checked")
    overdue: int
    by_cadre: list[ComplianceCount]
    by_village: list[ComplianceCount]
    by_town: list[ComplianceCount]
    items: list[OverdueVisit] = Field(description="The most overdue first, up to `limit`")
