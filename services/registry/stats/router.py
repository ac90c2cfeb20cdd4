"""Registry statistics (户籍统计) of an area on a date: counts only, for aggregates:read (bureaus too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate
from services.registry.stats.schemas import AreaCounts, PeopleFigures
from services.registry.stats.service import area_counts, people_figures

router = APIRouter(prefix="/api/v1/registry-stats", tags=["registry statistics"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


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
    return await area_counts(session, area_in_scope(area, principal), as_of or china_today())


@router.get("/people", response_model=PeopleFigures)
async def people_counts(principal: Reader, session: ReadSessionDep, area: AreaQuery) -> PeopleFigures:
    """People by health, disability and labour ability, and households with a chronically or seriously
    ill member (by programme), as registered today, with the same per area one level down."""
    return await people_figures(session, area_in_scope(area, principal))
