"""GET /api/v1/relocation-stats: the area's settlements on a date, for its report (counts and sums)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.projects.relocation.stats.schemas import RelocationStats
from services.projects.relocation.stats.service import relocation_stats

router = APIRouter(prefix="/api/v1", tags=["relocation settlements"])

Figures = Annotated[Principal, requires(Permission.aggregates_read)]


@router.get("/relocation-stats", response_model=RelocationStats)
async def get_relocation_stats(
    principal: Figures,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> RelocationStats:
    """The area's settlements on the date: households planned (relocated and turnkey), signed up, paid
    and how much (fen), handed over, moved in, demolished, late payments and settlements behind plan,
    in all and per settlement: counts and sums only."""
    return await relocation_stats(
        session, area_in_scope(area, principal), principal.scope_prefix, as_of or china_today()
    )
