"""Project figures (项目资金统计) of an area on a date: counts and money only, for aggregates:read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.projects.stats.schemas import AssetStats, ProjectStats
from services.projects.stats.service import asset_stats, project_stats

router = APIRouter(prefix="/api/v1/project-stats", tags=["projects and funds"])

asset_router = APIRouter(prefix="/api/v1/asset-stats", tags=["assets and their notices"])
Reader = Annotated[Principal, requires(Permission.aggregates_read)]


@router.get("", response_model=ProjectStats)
async def get_project_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> ProjectStats:
    """Projects and their money by sector, funding source and state, the counterpart-support (援疆)
    share to grassroots and livelihood, and each area one level down. Money in fen."""
    return await project_stats(session, area_in_scope(area, principal), as_of or china_today())


@asset_router.get("", response_model=AssetStats)
async def get_asset_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> AssetStats:
    """Assets held by kind (with their value) and owner type, the date's year's checks due and done,
    income and its distribution (in effect) by where it went. Money in fen."""
    return await asset_stats(session, area_in_scope(area, principal), as_of or china_today())
