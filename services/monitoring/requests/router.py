"""Households' requests (诉求): record one from a declaration, a visit or a phone call; handle, resolve or
explain it; the household's feedback; the overdue list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

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
from services.common.text import IsoDate
from services.monitoring.references import registry_lookup
from services.monitoring.requests.repository import RequestRepository
from services.monitoring.requests.schemas import (
    OverdueRequest,
    RequestCreate,
    RequestDetail,
    RequestRead,
    RequestStep,
)
from services.monitoring.requests.service import RequestService, read
from services.monitoring.requests.workflow import Channel, RequestState

router = APIRouter(prefix="/api/v1/household-requests", tags=["household requests"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Writer = Annotated[Principal, requires(Permission.requests_write)]


@router.post(
    "",
    response_model=RequestRead,
    status_code=201,
    responses={200: {"description": "The same request again (a retry): no effect"}},
)
async def record_household_request(
    body: RequestCreate, principal: Writer, session: SessionDep, request: Request, response: Response
) -> RequestRead:
    """Record a household's request (诉求) for a household registered in your area, with its handler and
    due date; the same id again with the same content is a retry, with other content a 409."""
    row, created = await RequestService(session).create(body, principal, registry_lookup(request))
    if created:
        audit_trail(session).record(
            "household_request.create",
            "household_request",
            str(row.id),
            area_code=row.area_code,
            changes={"state": [None, row.state], "due_on": [None, str(row.due_on)]},
        )
    else:
        response.status_code = 200
    return read(row, principal)


@router.get("", response_model=Page[RequestRead])
async def list_household_requests(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    state: Annotated[RequestState | None, Query(description=RequestState.describe())] = None,
    channel: Annotated[Channel | None, Query(description=Channel.describe())] = None,
    household_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[RequestRead]:
    """Requests in your area; filter by state, channel, household or area."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await RequestRepository(session).list(
        principal.scope_prefix,
        within,
        state=state.value if state else None,
        channel=channel.value if channel else None,
        household_id=household_id,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, lambda r: read(r, principal))


@router.get("/overdue", response_model=Page[OverdueRequest])
async def overdue_household_requests(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    as_of: Annotated[IsoDate | None, Query(description="Overdue on this date (default today)")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[OverdueRequest]:
    """Requests still received or handling after their due date, with the days they are overdue."""
    day = as_of or china_today()
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await RequestRepository(session).list(
        principal.scope_prefix, within, overdue_on=day, after=after, limit=limit + 1
    )
    return page_after(
        rows,
        limit,
        lambda r: OverdueRequest(**read(r, principal).model_dump(), days_overdue=(day - r.due_on).days),
    )


@router.get("/{request_id:uuid}", response_model=RequestDetail)
async def get_household_request(
    request_id: uuid.UUID, principal: Reader, session: ReadSessionDep
) -> RequestDetail:
    """One request with every step: who, when, what was done or said."""
    return await RequestService(session).detail(request_id, principal)


@router.post(
    "/{request_id:uuid}/steps", response_model=RequestRead, responses=conflict_with_current(RequestRead)
)
async def take_request_step(
    request_id: uuid.UUID, body: RequestStep, principal: Writer, session: SessionDep
) -> RequestRead:
    """handle (received → handling), resolve or explain (→ resolved / explained, with a note), or the
    household's feedback on a closed request (dissatisfied: back to handling); see the request's `actions`."""
    row, before = await RequestService(session).step(request_id, body, principal)
    audit_trail(session).record(
        f"household_request.{body.action.value}",
        "household_request",
        str(row.id),
        area_code=row.area_code,
        changes={"state": [before, row.state], "feedback": body.feedback.value if body.feedback else None},
    )
    return read(row, principal)
