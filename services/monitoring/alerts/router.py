"""Alerts (预警): households found at risk, by rule, partner data or declaration, waiting for a decision."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.openapi import conflict_with_current
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import WithinQuery
from services.monitoring.alerts.schemas import (
    AlertAcknowledge,
    AlertDetail,
    AlertDismiss,
    AlertRead,
    Declaration,
)
from services.monitoring.alerts.service import AlertService, read
from services.monitoring.codes import AlertState, RiskCode
from services.monitoring.references import registry_lookup

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Handler = Annotated[Principal, requires(Permission.alerts_handle)]
Declarer = Annotated[Principal, requires(Permission.inspections_write)]


@router.get("", response_model=Page[AlertRead])
async def list_alerts(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    state: Annotated[AlertState | None, Query(description=AlertState.describe())] = None,
    risk_code: Annotated[RiskCode | None, Query(description=RiskCode.describe())] = None,
    household_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AlertRead]:
    """Alerts in your area, oldest first; filter by state, risk, household or area."""
    return await AlertService(session).list(
        principal,
        limit=limit,
        cursor=cursor,
        state=state.value if state else None,
        risk_code=risk_code.value if risk_code else None,
        household_id=household_id,
        within=within,
    )


@router.post(
    "/declarations",
    response_model=AlertRead,
    status_code=201,
    responses={200: {"description": "The same declaration again (a retry): no effect"}},
)
async def declare_hardship(
    body: Declaration, principal: Declarer, session: SessionDep, request: Request, response: Response
) -> AlertRead:
    """Record a household's own request for help (农户自主申报) for a household registered in your area;
    it raises or joins the household's alert."""
    alert, created = await AlertService(session).declare(body, principal, registry_lookup(request))
    if created:
        audit_trail(session).record("alert.declare", "alert", str(alert.id), area_code=alert.area_code)
    else:
        response.status_code = 200
    return read(alert, principal)


@router.get("/{alert_id:uuid}", response_model=AlertDetail)
async def get_alert(alert_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> AlertDetail:
    """One alert with every signal that raised or repeated it and the reason each gave."""
    return await AlertService(session).detail(alert_id, principal)


@router.post(
    "/{alert_id:uuid}/acknowledge", response_model=AlertRead, responses=conflict_with_current(AlertRead)
)
async def acknowledge_alert(
    alert_id: uuid.UUID, body: AlertAcknowledge, principal: Handler, session: SessionDep
) -> AlertRead:
    """Say the alert has been seen and is being looked into (受理)."""
    alert = await AlertService(session).act(alert_id, "acknowledge", body.base_version, principal)
    audit_trail(session).record("alert.acknowledge", "alert", str(alert.id), area_code=alert.area_code)
    return read(alert, principal)


@router.post("/{alert_id:uuid}/dismiss", response_model=AlertRead, responses=conflict_with_current(AlertRead))
async def dismiss_alert(
    alert_id: uuid.UUID, body: AlertDismiss, principal: Handler, session: SessionDep
) -> AlertRead:
    """Close the alert as no risk, with the reason (排除); a new finding later opens a new alert."""
    alert = await AlertService(session).act(alert_id, "dismiss", body.base_version, principal, body.reason)
    audit_trail(session).record(
        "alert.dismiss", "alert", str(alert.id), area_code=alert.area_code, changes={"reason": body.reason}
    )
    return read(alert, principal)
