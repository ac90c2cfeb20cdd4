"""Study, training and publicity sessions (学习/培训/宣传): log them, list them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
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
from services.oversight.service import not_found
from services.oversight.sessions.models import Audience, SessionKind
from services.oversight.sessions.repository import SessionRepository
from services.oversight.sessions.schemas import SessionCreate, SessionRead
from services.oversight.sessions.service import log_session

router = APIRouter(prefix="/api/v1/study-sessions", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
Reporter = Annotated[Principal, requires(Permission.oversight_report)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


@router.post("", response_model=SessionRead, status_code=201, responses=RETRY)
async def create_session(
    body: SessionCreate, principal: Reporter, session: SessionDep, response: Response
) -> SessionRead:
    """Log a session (学习/培训/宣传): date, kind, audience (cadres 干部 or villagers 群众), place, and the
    attendance (人次) or the names."""
    stored, created = await log_session(session, body, principal)
    if created:
        audit_trail(session).record(
            "session.create",
            "session",
            str(stored.id),
            area_code=stored.area_code,
            changes={"attendance": [None, stored.attendance]},
        )
    else:
        response.status_code = 200
    return SessionRead.model_validate(stored)


@router.get("", response_model=Page[SessionRead])
async def list_sessions(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    kind: Annotated[SessionKind | None, Query(description=SessionKind.describe())] = None,
    audience: Annotated[Audience | None, Query(description=Audience.describe())] = None,
    since: Annotated[IsoDate | None, Query(description="Held on or after this date")] = None,
    until: Annotated[IsoDate | None, Query(description="Held on or before this date")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[SessionRead]:
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await SessionRepository(session).many(
        principal.scope_prefix,
        within,
        kind=kind.value if kind else None,
        audience=audience.value if audience else None,
        since=since,
        until=until,
        after=after,
        limit=limit + 1,
    )
    page = page_after(rows, limit, lambda s: s)
    return Page(items=[SessionRead.model_validate(s) for s in page.items], next_cursor=page.next_cursor)


@router.get("/{session_id:uuid}", response_model=SessionRead)
async def get_session(session_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> SessionRead:
    found = await SessionRepository(session).one(session_id, principal.scope_prefix)
    if found is None:
        raise not_found("session", session_id)
    return SessionRead.model_validate(found)
