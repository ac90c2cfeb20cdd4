"""Rectification items (整改): open, report progress with evidence, submit, close (销号) or send back;
overdue items as of a date; the 整改台账 ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.area_codes import prefix_of
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
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
from services.common.scope import OptionalAreaQuery, WithinQuery, area_in_scope
from services.common.text import IsoDate
from services.oversight.service import not_found
from services.oversight.tasks.ledger import rectification_ledger
from services.oversight.tasks.models import Rectification
from services.oversight.tasks.repository import TaskRepository
from services.oversight.tasks.schemas import (
    ItemCreate,
    ItemRead,
    ItemSummary,
    OverdueGroup,
    OverdueList,
    ReportCreate,
    ReviewBody,
    SubmitBody,
)
from services.oversight.tasks.service import TaskService
from services.oversight.tasks.workflow import ItemState, Source

router = APIRouter(prefix="/api/v1/rectifications", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
Reporter = Annotated[Principal, requires(Permission.oversight_report)]
Manager = Annotated[Principal, requires(Permission.oversight_manage)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _audit_step(session: SessionDep, item: Rectification, before: str, action: str) -> None:
    audit_trail(session).record(
        f"rectification.{action}",
        "rectification",
        str(item.id),
        area_code=item.area_code,
        changes={"state": [before, item.state]},
    )


@router.post("", response_model=ItemRead, status_code=201, responses=RETRY)
async def create_item(
    body: ItemCreate, principal: Manager, session: SessionDep, response: Response
) -> ItemRead:
    """Open a rectification item (整改事项) with its source, owner, deadline, measures and milestones."""
    service = TaskService(session)
    item, created = await service.create(body, principal)
    if created:
        audit_trail(session).record(
            "rectification.create",
            "rectification",
            str(item.id),
            area_code=item.area_code,
            changes={"state": [None, item.state], "deadline": [None, str(item.deadline)]},
        )
    else:
        response.status_code = 200
    return await service.read(item, principal)


@router.get("", response_model=Page[ItemSummary])
async def list_items(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    state: Annotated[ItemState | None, Query(description=ItemState.describe())] = None,
    source: Annotated[Source | None, Query(description=Source.describe())] = None,
    overdue_as_of: Annotated[
        IsoDate | None, Query(description="Only items past their deadline and not closed on this date")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ItemSummary]:
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await TaskRepository(session).items(
        principal.scope_prefix,
        within,
        state=state.value if state else None,
        source=source.value if source else None,
        overdue_as_of=overdue_as_of,
        after=after,
        limit=limit + 1,
    )
    page = page_after(rows, limit, lambda r: r)
    return Page(items=[ItemSummary.model_validate(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/overdue", response_model=OverdueList)
async def overdue_items(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> OverdueList:
    """Items past their deadline and not closed on the date, per area and owner (unit and person); the
    items themselves: the list's ``overdue_as_of``."""
    code, day = area_in_scope(area, principal), as_of or china_today()
    groups = [
        OverdueGroup.model_validate(g, from_attributes=True)
        for g in await TaskRepository(session).overdue_groups(prefix_of(code), day)
    ]
    return OverdueList(as_of=day, area_code=code, items=sum(g.items for g in groups), groups=groups)


@router.get("/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_items(
    principal: Reader,
    session: SessionDep,
    request: Request,
    within: WithinQuery,
    format: ledgers.FormatQuery = "xlsx",
) -> Any:
    """The rectification ledger (整改台账): a row per item with its latest progress, streamed."""
    return await rectification_ledger(request, session, principal, within, format)


@router.get("/{item_id:uuid}", response_model=ItemRead)
async def get_item(item_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> ItemRead:
    """The item with its milestones, progress reports, steps and the `actions` you may take now."""
    service = TaskService(session)
    item = await service.repository.item(item_id, principal.scope_prefix)
    if item is None:
        raise not_found("rectification", item_id)
    return await service.read(item, principal)


@router.post("/{item_id:uuid}/reports", response_model=ItemRead, status_code=201, responses=RETRY)
async def report_progress(
    item_id: uuid.UUID, body: ReportCreate, principal: Reporter, session: SessionDep, response: Response
) -> ItemRead:
    """Report progress (整改进展) with evidence: text and photo or file references; the first report
    starts the work (open → in_progress); a report may complete a milestone."""
    service = TaskService(session)
    item, report, before_state = await service.report(item_id, body, principal)
    created = before_state is not None
    if created:
        audit_trail(session).record(
            "rectification.report",
            "rectification",
            str(item.id),
            area_code=item.area_code,
            changes={"report": [None, str(report.id)], "state": [before_state, item.state]},
        )
    else:
        response.status_code = 200
    return await service.read(item, principal)


@router.post("/{item_id:uuid}/submit", response_model=ItemRead)
async def submit_item(
    item_id: uuid.UUID, body: SubmitBody, principal: Reporter, session: SessionDep
) -> ItemRead:
    """Submit the item for closing (提交销号), once progress with evidence is reported; a reviewer of a
    wider area than yours closes it or sends it back."""
    service = TaskService(session)
    item = await service.submit(item_id, body, principal)
    _audit_step(session, item, ItemState.in_progress.value, "submit")
    return await service.read(item, principal)


@router.post("/{item_id:uuid}/review", response_model=ItemRead)
async def review_item(
    item_id: uuid.UUID, body: ReviewBody, principal: Manager, session: SessionDep
) -> ItemRead:
    """Close (销号) or send back with a reason: by a reviewer one level up from the account that submitted
    (the same level, or below, is 403 review_not_above_submitter)."""
    service = TaskService(session)
    item = await service.review(item_id, body, principal)
    _audit_step(session, item, ItemState.submitted.value, body.decision)
    return await service.read(item, principal)
