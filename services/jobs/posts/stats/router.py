"""Public-welfare post statistics (公益岗统计) of an area on a date: counts only, for aggregates:read
(bureaus too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.jobs.posts.stats.schemas import PostStats
from services.jobs.posts.stats.service import post_stats

router = APIRouter(prefix="/api/v1/welfare-post-stats", tags=["public-welfare posts"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


@router.get("", response_model=PostStats)
async def welfare_post_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
) -> PostStats:
    """Posts in force in an area on a date, their places and the places held, by funding source, type
    and child area."""
    return await post_stats(session, area_in_scope(area, principal), as_of or china_today())
