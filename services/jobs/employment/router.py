"""Employment records (就业): work status over time, posted by cadres' phones and 人社 systems."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    bad_cursor,
    cursor_field,
    decode_cursor,
    encode_cursor,
)
from services.common.scope import AreaWithinQuery, area_label
from services.common.text import IsoDate
from services.jobs.employment.codes import EmploymentStatus
from services.jobs.employment.ledger import SHEET_NAME, columns
from services.jobs.employment.repository import EmploymentRepository, ledger_codes, ledger_query
from services.jobs.employment.schemas import (
    EmploymentBatch,
    EmploymentBatchResult,
    EmploymentItemResult,
    EmploymentRecordCreate,
    EmploymentRecordRead,
)
from services.jobs.employment.service import EmploymentIntake
from services.jobs.shared.names import area_names
from services.jobs.shared.people import lookup_people, resolve_national_ids

router = APIRouter(prefix="/api/v1/employment-records", tags=["employment"])

Reader = Annotated[Principal, requires(Permission.employment_read)]
Writer = Annotated[Principal, requires(Permission.employment_write)]


def _intake(session: SessionDep, request: Request) -> EmploymentIntake:
    async def lookup(ids: list[uuid.UUID]) -> Any:
        return await lookup_people(request, ids)

    async def resolve(numbers: list[str]) -> Any:
        return await resolve_national_ids(request, numbers)

    return EmploymentIntake(session, lookup, resolve)


def _audit(session: SessionDep, result: EmploymentBatchResult, areas: dict[uuid.UUID, str]) -> None:
    trail = audit_trail(session)
    for item in result.items:
        if item.status == "created" and item.id is not None:
            trail.record(
                "employment_record.create",
                "employment_record",
                str(item.id),
                area_code=areas.get(item.id),
                changes={"events": item.events} if item.events else None,
            )


@router.post("/batch", response_model=EmploymentBatchResult)
async def post_employment_batch(
    body: EmploymentBatch, principal: Writer, session: SessionDep, request: Request
) -> EmploymentBatchResult:
    """Up to 1,000 records; each answered alone: created, duplicate, conflict, invalid or forbidden."""
    intake = _intake(session, request)
    result = await intake.take(body.items, principal)
    _audit(session, result, intake.areas)
    return result


@router.post(
    "",
    response_model=EmploymentItemResult,
    status_code=201,
    responses={200: {"description": "Already received with the same content (a retry): no effect"}},
)
async def post_employment_record(
    body: EmploymentRecordCreate, principal: Writer, session: SessionDep, request: Request, response: Response
) -> EmploymentItemResult:
    """One record of a person's work; the answer names the events it published."""
    intake = _intake(session, request)
    item = (await intake.take([body], principal)).items[0]
    answer_single(item, response)
    _audit(session, EmploymentBatchResult(created=1, duplicates=0, failed=0, items=[item]), intake.areas)
    return item


@router.get("", response_model=Page[EmploymentRecordRead])
async def list_employment_records(
    principal: Reader,
    session: ReadSessionDep,
    area: AreaWithinQuery,
    person_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    status: Annotated[EmploymentStatus | None, Query(description=EmploymentStatus.describe())] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Only each person's record in force on this date")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[EmploymentRecordRead]:
    """Records in your area in order of information date: a person's history with person_id; with as_of,
    each person's status as of that date (the latest record reported on or before it)."""
    after = _after(decode_cursor(cursor))
    rows = await EmploymentRepository(session).list(
        principal.scope_prefix,
        person_id=person_id,
        household_id=household_id,
        within=area,
        status=status.value if status else None,
        as_of=as_of,
        after=after,
        limit=limit + 1,
    )
    items = [EmploymentRecordRead.model_validate(row) for row in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return Page(
        items=items,
        next_cursor=encode_cursor({"d": last.reported_on.isoformat(), "s": last.seq}) if last else None,
    )


def _after(cursor: dict[str, Any] | None) -> tuple[date, int] | None:
    if cursor is None:
        return None
    day, seq = cursor_field(cursor, "d", str), cursor_field(cursor, "s", int)
    try:
        return date.fromisoformat(day), seq
    except ValueError as exc:
        raise bad_cursor() from exc


@router.get("/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_employment_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    area: AreaWithinQuery,
    as_of: Annotated[
        IsoDate | None, Query(description="One row per person as of this date (default: every record)")
    ] = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The employment ledger (就业台账) as a spreadsheet, streamed, with Chinese column headers."""
    audit_trail(session).record(
        "employment_record.export",
        "employment_record",
        None,
        area_code=area_label(area),
        changes={"as_of": as_of.isoformat() if as_of else None, "format": format},
    )
    villages, places = await ledger_codes(session, principal.scope_prefix, area, as_of)
    names = await area_names(request, [*villages, *places])
    query = ledger_query(principal.scope_prefix, area, as_of)
    name = f"employment-{area_label(area)}-{as_of.isoformat() if as_of else 'all'}"
    return await ledgers.ledger_answer(
        request,
        principal,
        "employment-records",
        query,
        name=name,
        format=format,
        sheet=SHEET_NAME,
        columns=columns(names),
    )
