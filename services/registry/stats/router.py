"""Registry statistics for an area on a date (households and people, by child area and programme),
read from the rollups (``stats.rollups``), never by counting the rows of the area."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.common.area_codes import AreaLevel
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.rollups.store import figures_of, figures_of_children
from services.common.scope import AreaQuery, area_in_scope, no_area
from services.common.text import IsoDate
from services.registry.codes import Programme
from services.registry.models import Area
from services.registry.stats.rollups import SCHEMA

router = APIRouter(prefix="/api/v1/registry-stats", tags=["registry statistics"])

HOUSEHOLDS, PEOPLE = ("households", ""), ("people", "")
Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


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


@router.get("/households", response_model=AreaCounts)
async def household_counts(
    principal: Reader,
    session: ReadSessionDep,
    area: AreaQuery,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
) -> AreaCounts:
    """Households and people in an area on a date, by child area and by programme."""
    area_in_scope(area, principal)
    record = (await session.execute(select(Area).where(Area.code == area))).scalar_one_or_none()
    if record is None:
        raise no_area(area)
    day = as_of or china_today()
    figures = await figures_of(session, SCHEMA, area, day)
    if AreaLevel(record.level) == AreaLevel.village:
        below = {area: figures} if figures.get(HOUSEHOLDS) else {}
    else:
        below = await figures_of_children(session, SCHEMA, area, day)
    names = dict(
        (await session.execute(select(Area.code, Area.name).where(Area.code.in_(list(below))))).all()  # type: ignore[attr-defined]
    )
    children = [
        ChildCounts(
            area_code=code, name=names.get(code), households=f.get(HOUSEHOLDS, 0), people=f.get(PEOPLE, 0)
        )
        for code, f in below.items()
        if f.get(HOUSEHOLDS)
    ]
    programmes = [
        ProgrammeCounts(
            programme=Programme(code),
            label=Programme(code).label,
            households=figures.get(("programme_households", code), 0),
            people=figures.get(("programme_people", code), 0),
        )
        for code in sorted({key for measure, key in figures if measure == "programme_households"})
    ]
    return AreaCounts(
        area_code=area,
        as_of=day,
        households=figures.get(HOUSEHOLDS, 0),
        people=figures.get(PEOPLE, 0),
        children=children,
        programmes=programmes,
    )
