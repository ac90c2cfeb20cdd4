"""Door-to-door inspections (入户排查) from phones: in offline batches or one at a time."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.database import ReadSessionDep, SessionDep
from services.common.errors import NotFound
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
from services.monitoring.inspections.checks import reader
from services.monitoring.inspections.repository import InspectionRepository
from services.monitoring.inspections.schemas import (
    InspectionBatch,
    InspectionBatchResult,
    InspectionCreate,
    InspectionItemResult,
    InspectionRead,
)
from services.monitoring.inspections.service import InspectionIntake
from services.monitoring.references import registry_lookup

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Inspector = Annotated[Principal, requires(Permission.inspections_write)]


def _audit(session: SessionDep, result: InspectionBatchResult, items: list[dict]) -> None:
    trail = audit_trail(session)
    for item in result.items:
        if item.status == "created":
            trail.record(
                "inspection.create",
                "inspection",
                str(item.id),
                area_code=item.area_code or items[item.index]["area_code"],  # where it was stored
            )


@router.post("/batch", response_model=InspectionBatchResult)
async def post_inspection_batch(
    body: InspectionBatch, principal: Inspector, session: SessionDep, request: Request
) -> InspectionBatchResult:
    """Up to 1,000 visits recorded offline; each answered alone: created, duplicate, conflict or invalid."""
    result = await InspectionIntake(session, registry_lookup(request)).take(body.items, principal)
    _audit(session, result, body.items)
    return result


@router.post(
    "",
    response_model=InspectionItemResult,
    status_code=201,
    responses={200: {"description": "Already received with the same answers (a retry): no effect"}},
)
async def post_inspection(
    body: InspectionCreate, principal: Inspector, session: SessionDep, response: Response, request: Request
) -> InspectionItemResult:
    """One visit; the answer lists what the risk rules found."""
    result = await InspectionIntake(session, registry_lookup(request)).take([body], principal)
    item = result.items[0]
    answer_single(item, response)
    _audit(session, result, [{"area_code": body.area_code}])
    return item


@router.get("/{inspection_id:uuid}", response_model=InspectionRead)
async def get_inspection(
    inspection_id: uuid.UUID, principal: Reader, session: ReadSessionDep
) -> InspectionRead:
    """One visit with its answers and what the rules found (with the threshold version they used)."""
    row = await InspectionRepository(session).get(inspection_id, principal.scope_prefix)
    if row is None:
        raise NotFound(f"No inspection {inspection_id}", code="inspection_not_found")
    return (await reader(session, [row]))(row)


@router.get("", response_model=Page[InspectionRead])
async def list_inspections(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    household_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[InspectionRead]:
    """Visits in your area, by household or area, in the order they were recorded."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await InspectionRepository(session).list(
        principal.scope_prefix, household_id=household_id, within=within, after=after, limit=limit + 1
    )
    return page_after(rows, limit, await reader(session, rows[:limit]))
