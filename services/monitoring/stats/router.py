"""Monitoring statistics (监测报表) of an area on a date: counts only, for aggregates:read (bureaus too)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.common.area_codes import PREFIX_LENGTH, AreaCodeError, AreaLevel, level_of, prefix_of
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.errors import NotFound, ValidationFailed
from services.common.guards import requires
from services.common.peers import call_peer
from services.common.text import IsoDate
from services.monitoring.stats.schemas import MonitoringStats
from services.monitoring.stats.service import monitoring_stats

router = APIRouter(prefix="/api/v1/monitoring-stats", tags=["monitoring statistics"])

Counter = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only
AreaCode = Annotated[str, Query(pattern=r"^[0-9]{12}$", description="County, town or village code")]
AsOf = Annotated[
    IsoDate | None, Query(description="As things stood at the end of this day (default today, China time)")
]
# The digits of the areas one level down; a village has none below it.
CHILD_DIGITS: dict[AreaLevel, int | None] = {
    AreaLevel.county: PREFIX_LENGTH[AreaLevel.town],
    AreaLevel.town: PREFIX_LENGTH[AreaLevel.village],
    AreaLevel.village: None,
}


def _level_in_scope(area: str, principal: Principal) -> AreaLevel:
    """The area's level, if it is an area inside your scope (else 404, as if it did not exist)."""
    try:
        level = level_of(area)
    except AreaCodeError:
        level = None
    if level is None or not principal.covers(area):
        raise NotFound(f"No area {area}", code="area_not_found")
    if level not in CHILD_DIGITS:  # a province or city at once would be a scan of everything below
        raise ValidationFailed.field(
            ["query", "area"], f"{area} is a {level.value}: ask by county, town or village", "area_level"
        )
    return level


@router.get("", response_model=MonitoringStats)
async def get_monitoring_stats(
    principal: Counter, session: ReadSessionDep, request: Request, area: AreaCode, as_of: AsOf = None
) -> MonitoringStats:
    """Monitored households, case states, cases and alerts past the limit, visits; by child area too."""
    level = _level_in_scope(area, principal)
    day = as_of or china_today()
    # The pairings are the registry's, read on your behalf: only with the right to read households.
    # They are fetched while the cases and alerts are counted here.
    fetching: asyncio.Task[dict[str, Any]] | None = None
    if principal.can(Permission.households_read):
        fetching = asyncio.create_task(
            call_peer(
                request,
                request.app.state.registry_peer,
                "registry",
                "/internal/v1/pairings",
                {"within": prefix_of(area), "as_of": day.isoformat()},
            )
        )
    try:
        return await monitoring_stats(
            session, principal.scope_prefix, area, CHILD_DIGITS[level], day, _pairings_of(fetching)
        )
    finally:
        if fetching is not None and not fetching.done():
            fetching.cancel()  # the counting failed first


async def _pairings_of(fetching: asyncio.Task[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return None if fetching is None else (await fetching)["pairings"]
