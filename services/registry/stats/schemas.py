"""Registry statistics of an area on a date: counts only, no household or person named."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.registry.codes import Programme


class Counts(BaseModel):
    households: int
    people: int


class ChildCounts(Counts):
    area_code: str
    name: str | None = Field(description="The area's name (a merged-away village keeps its old name)")


class ProgrammeCounts(Counts):
    programme: Programme
    label: str


class AreaCounts(Counts):
    area_code: str
    as_of: date
    children: list[ChildCounts] = Field(description="The same counts for each area one level down")
    programmes: list[ProgrammeCounts]
