"""Registry statistics for an area on a date (households and people, by child area and programme)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.common.area_codes import LEVEL_ORDER, PREFIX_LENGTH, AreaLevel, prefix_of
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep
from services.common.errors import NotFound
from services.common.guards import requires
from services.common.text import IsoDate
from services.registry.codes import Programme
from services.registry.models import Area
from services.registry.stats.repository import counts_by_child, counts_by_programme

router = APIRouter(prefix="/api/v1/registry-stats", tags=["registry statistics"])

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
    area: Annotated[str, Query(pattern=r"^[0-9]{12}$", description="County, town or village code")],
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
) -> AreaCounts:
    """Households and people in an area on a date, by child area and by programme."""
    record = (await session.execute(select(Area).where(Area.code == area))).scalar_one_or_none()
    if record is None or not principal.covers(area):
        raise NotFound(f"No area {area}", code="area_not_found")
    day = as_of or date.today()
    prefix = prefix_of(area)
    level = AreaLevel(record.level)
    below = LEVEL_ORDER[min(LEVEL_ORDER.index(level) + 1, len(LEVEL_ORDER) - 1)]
    rows = await counts_by_child(session, prefix, PREFIX_LENGTH[below], day)
    names = dict(
        (await session.execute(select(Area.code, Area.name).where(Area.code.in_([r[0] for r in rows])))).all()  # type: ignore[attr-defined]
    )
    children = [ChildCounts(area_code=c, name=names.get(c), households=h, people=p) for c, h, p in rows]
    programmes = [
        ProgrammeCounts(programme=Programme(code), label=Programme(code).label, households=h, people=p)
        for code, h, p in await counts_by_programme(session, prefix, day)
    ]
    return AreaCounts(
        area_code=area,
        as_of=day,
        households=sum(c.households for c in children),
        people=sum(c.people for c in children),
        children=children,
        programmes=programmes,
    )
