"""Visits (走访): compliance (overdue visits of paired cadres, by cadre, village and town) and the ledger."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import WithinQuery
from services.common.text import IsoDate
from services.monitoring.names import registry_names
from services.monitoring.visits.ledger import visit_ledger
from services.monitoring.visits.schemas import VisitCompliance
from services.monitoring.visits.service import compliance

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]


@router.get("/compliance", response_model=VisitCompliance)
async def visit_compliance(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    as_of: Annotated[
        IsoDate | None, Query(description="The day to judge on (default: today, China time)")
    ] = None,
    limit: Annotated[
        int, Query(ge=0, le=5000, description="Overdue visits listed, most overdue first")
    ] = 500,
) -> VisitCompliance:
    """Every pairing in force in your area checked against the visit interval; counts and the overdue
    list. Pairings are monitoring's copy, kept from the registry's events (a new pairing counts once
    its event has arrived, normally within seconds); the cadres' names come from the registry."""

    async def cadre_names(cadre_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return (await registry_names(request, (), cadre_ids)).cadres

    day = as_of or china_today()
    return await compliance(session, cadre_names, principal.scope_prefix, within, day, limit)


@router.get("/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_visits(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    since: Annotated[IsoDate | None, Query(description="Visited on or after this day (China time)")] = None,
    until: Annotated[IsoDate | None, Query(description="Visited on or before this day (China time)")] = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The visit ledger (走访台账): a row per door-to-door visit, with who visited and what was found."""
    return await visit_ledger(request, session, principal, within, since, until, format)
