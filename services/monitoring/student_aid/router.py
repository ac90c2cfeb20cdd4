"""Student aid (教育资助) and student loans: thin endpoints over ``intake.AidIntake`` and
``service.AidService``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.calendar import china_today
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
from services.common.peers import call_peer
from services.common.scope import OptionalAreaQuery, WithinQuery, area_in_scope
from services.common.text import IsoDate
from services.monitoring.student_aid.intake import AidIntake, SchoolAidIntake
from services.monitoring.student_aid.repository import AidRepository
from services.monitoring.student_aid.schemas import (
    AidBatch,
    AidBatchResult,
    AidCreate,
    AidItemResult,
    AidKind,
    AidRead,
    AidStats,
    AidUpdate,
)
from services.monitoring.student_aid.service import AidService, snapshot

router = APIRouter(prefix="/api/v1", tags=["student aid"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Writer = Annotated[Principal, requires(Permission.student_aid_write)]
Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}
Figures = Annotated[Principal, requires(Permission.aggregates_read)]
Year = Annotated[
    int, Query(ge=2000, le=2100, description="The school year's first year (2024: 2024–2025学年)")
]


async def _asker(request: Request) -> Any:
    async def ask(path: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await call_peer(
            request, request.app.state.registry_peer, "registry", path, payload
        )
        return answer

    return ask


def _audit_entry(session: Any, principal: Principal, result: AidBatchResult) -> None:
    audit_trail(session).record(
        "student_aid.entry",
        "student_aid",
        None,
        area_code=principal.scope,
        changes={"created": result.created, "duplicates": result.duplicates, "failed": result.failed},
    )


@router.post("/student-aid/batch", response_model=AidBatchResult)
async def push_student_aid(
    body: AidBatch, principal: Pusher, session: SessionDep, request: Request
) -> AidBatchResult:
    """The education bureau's records: up to 1,000 aid records (or student loans, kind `loan`), each
    student by ID number, each answered alone: created, duplicate (the same record id and content
    again: no effect), conflict, unknown_id (no such ID number in your area) or invalid."""
    result = await AidIntake(session, await _asker(request)).take(body.records, principal)
    _audit_entry(session, principal, result)
    return result


@router.post("/student-aid", response_model=AidItemResult, status_code=201, responses=RETRY)
async def enter_student_aid(
    body: AidCreate, principal: Writer, session: SessionDep, request: Request, response: Response
) -> AidItemResult:
    """A school's or town's record of one student (by the registry's person id, in your area): the same
    `record_id` and content again is a retry (200, no effect), other content 409."""
    result = await SchoolAidIntake(session, await _asker(request)).take([body], principal)
    item = result.items[0]
    answer_single(item, response)
    _audit_entry(session, principal, result)
    return item


@router.get("/student-aid", response_model=Page[AidRead])
async def list_student_aid(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    school_year: Annotated[int | None, Query(ge=2000, le=2100, description="The school year")] = None,
    kind: Annotated[AidKind | None, Query(description=AidKind.describe())] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="One student's")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AidRead]:
    """Aid records and student loans in your area."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await AidRepository(session).page(
        principal.scope_prefix,
        within,
        school_year=school_year,
        kind=kind,
        person_id=person_id,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, AidRead.model_validate)


@router.patch("/student-aid/{aid_id:uuid}", response_model=AidRead)
async def update_student_aid(
    aid_id: uuid.UUID, body: AidUpdate, principal: Writer, session: SessionDep
) -> AidRead:
    """Mark it paid (a loan: completed) or its notice delivered (with `base_version`; stale is 409)."""
    service = AidService(session)
    before = snapshot(await service.locked(aid_id, principal, body.base_version))
    aid = await service.update(aid_id, body, principal)
    audit_trail(session).record(
        "student_aid.update",
        "student_aid",
        str(aid.id),
        area_code=aid.area_code,
        changes=diff(before, snapshot(aid)),
    )
    return AidRead.model_validate(aid)


@router.get("/student-aid-stats", response_model=AidStats)
async def get_student_aid_stats(
    principal: Figures,
    session: ReadSessionDep,
    school_year: Year,
    area: OptionalAreaQuery = None,
    as_of: Annotated[IsoDate | None, Query(description="Paid by this day (default today)")] = None,
) -> AidStats:
    """A school year's aid: the share of the students owed aid paid everything, notices delivered,
    owed and paid by kind (fen), and student loan completion."""
    day = as_of or china_today()
    return await AidService(session).stats(area_in_scope(area, principal), school_year, day)
