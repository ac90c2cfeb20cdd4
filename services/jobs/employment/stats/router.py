"""Employment statistics (就业统计) of an area on a date and a year before: counts only, for
aggregates:read (bureaus too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate
from services.jobs.employment.stats.schemas import EmploymentStats
from services.jobs.employment.stats.service import employment_stats

router = APIRouter(prefix="/api/v1/employment-stats", tags=["employment"])

Counter = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only: bureaus too
AsOf = Annotated[IsoDate | None, Query(description="As things stood on this date")]


@router.get("", response_model=EmploymentStats)
async def get_employment_stats(
    principal: Counter, session: ReadSessionDep, area: AreaQuery, as_of: AsOf = None
) -> EmploymentStats:
    """People by status, those working away by household category and destination, and each child
    area, on a date and on the same date a year earlier (year on year)."""
    day = as_of or china_today()
    return await employment_stats(session, area_in_scope(area, principal), day)
