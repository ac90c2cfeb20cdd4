"""Monitoring statistics (监测报表) of an area on a date: counts only, for aggregates:read (bureaus too)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate
from services.monitoring.names import registry_names
from services.monitoring.stats.schemas import MonitoringStats
from services.monitoring.stats.service import CadreNames, monitoring_stats

router = APIRouter(prefix="/api/v1/monitoring-stats", tags=["monitoring statistics"])

Counter = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only
AsOf = Annotated[
    IsoDate | None, Query(description="As things stood at the end of this day (default today, China time)")
]


@router.get("", response_model=MonitoringStats)
async def get_monitoring_stats(
    principal: Counter, session: ReadSessionDep, request: Request, area: AreaQuery, as_of: AsOf = None
) -> MonitoringStats:
    """Monitored households, case states, cases and alerts past the limit, visits; by child area too."""
    area = area_in_scope(area, principal)
    # Visits are counted against the cadres' pairings, which are personal data of the registry's: only
    # with the right to read households. The cadres' names are the registry's, asked on your behalf.
    names = _cadre_names(request) if principal.can(Permission.households_read) else None
    return await monitoring_stats(session, area, as_of or china_today(), names)


def _cadre_names(request: Request) -> CadreNames:
    async def names(cadres: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return (await registry_names(request, (), cadres)).cadres if cadres else {}

    return names
