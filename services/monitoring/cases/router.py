"""Cases (监测对象识别认定): from alerts through village, town and county to enrolment, and on to exit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.openapi import conflict_with_current
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    page_after,
)
from services.common.scope import WithinQuery
from services.monitoring.cases.ledger import case_ledger
from services.monitoring.cases.repository import CaseRepository
from services.monitoring.cases.schemas import CaseDetail, CaseOpen, CaseRead, CaseStep
from services.monitoring.cases.service import CaseService, read
from services.monitoring.cases.workflow import CaseState

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Village = Annotated[Principal, requires(Permission.cases_village)]
# Each step checks its own level's right (the answer says which is needed); any case role may ask.
Stepper = Annotated[Principal, requires(Permission.monitoring_read)]


@router.post(
    "",
    response_model=CaseRead,
    status_code=201,
    responses={200: {"description": "A retry, or the household's open case took these alerts"}},
)
async def open_case(body: CaseOpen, principal: Village, session: SessionDep, response: Response) -> CaseRead:
    """Start identification from a household's alerts (村级评议 begins); its open case takes them if any."""
    case, created = await CaseService(session).open(body, principal)
    if not created:
        response.status_code = 200
    audit_trail(session).record("case.open", "case", str(case.id), area_code=case.area_code)
    return read(case, principal)


@router.post("/{case_id:uuid}/actions", response_model=CaseRead, responses=conflict_with_current(CaseRead))
async def take_step(case_id: uuid.UUID, body: CaseStep, principal: Stepper, session: SessionDep) -> CaseRead:
    """Take the next step (see the case's `actions`); returning or rejecting needs a reason."""
    case = await CaseService(session).act(case_id, body, principal)
    audit_trail(session).record(
        f"case.{body.action.value}",
        "case",
        str(case.id),
        area_code=case.area_code,
        changes={"state": case.state, "reason": body.reason},
    )
    return read(case, principal)


@router.get("/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_cases(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The ledger of monitored households (监测对象台账): a row per measure of each case, streamed."""
    return await case_ledger(request, session, principal, within, format)


@router.get("/{case_id:uuid}", response_model=CaseDetail)
async def get_case(case_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> CaseDetail:
    """One case with every step (who, when, why) and the alerts that joined it."""
    return await CaseService(session).detail(case_id, principal)


@router.get("", response_model=Page[CaseRead])
async def list_cases(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    state: Annotated[CaseState | None, Query(description=CaseState.describe())] = None,
    household_id: uuid.UUID | None = None,
    overdue: Annotated[bool, Query(description="Only undecided cases past their decision date")] = False,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[CaseRead]:
    """Cases in your area; `overdue=true` lists those past the time limit (alert → county decision)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await CaseRepository(session).list(
        principal.scope_prefix,
        state=state.value if state else None,
        household_id=household_id,
        within=within,
        overdue_on=china_today() if overdue else None,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, lambda c: read(c, principal))
