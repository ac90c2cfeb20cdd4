"""Phones' reports of relocated households (交房, 搬迁入住, 拆旧, with photos): thin endpoints over the
report intake."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Response

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
from services.projects.relocation.intake import ReportIntake
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import (
    RelocationReportIn,
    RelocationReportRead,
    ReportBatch,
    ReportBatchResult,
)

router = APIRouter(prefix="/api/v1", tags=["relocation settlements"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.relocation_report)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same report again (a retry): no effect"}}


@router.post("/relocation-reports", response_model=RelocationReportRead, status_code=201, responses=RETRY)
async def report_relocation(
    body: RelocationReportIn, principal: Reporter, session: SessionDep, response: Response
) -> RelocationReportRead:
    """A relocated household's handover (交房), move-in (搬迁入住) or old house demolished (拆旧), recorded
    on a phone with photo references, perhaps offline: each kind once a household (409
    `already_recorded`). The same id and content again is the same report (200), other content 409."""
    [item] = await ReportIntake(session).answer_items([body], principal)
    answer_single(item, response)
    report = await SettlementRepository(session).report(body.id, principal.scope_prefix)
    if report is None:
        raise NotFound(f"No relocation report {body.id}", code="report_not_found")
    return RelocationReportRead.model_validate(report)


@router.post("/relocation-reports/batch", response_model=ReportBatchResult)
async def report_relocations_batch(
    body: ReportBatch, principal: Reporter, session: SessionDep
) -> ReportBatchResult:
    """What a phone kept offline, up to 1,000 reports, each answered alone: created, duplicate (the same
    id and content again: no effect), conflict (the id with other content, a kind recorded already) or
    invalid (a household not signed up in your area among them)."""
    return await ReportIntake(session).take(body.items, principal)


@router.get("/relocation-reports", response_model=Page[RelocationReportRead])
async def list_relocation_reports(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    settlement_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[RelocationReportRead]:
    """Reports of the relocated households of your area (or of one settlement), with their photos."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await SettlementRepository(session).reports(
        principal.scope_prefix, within, settlement_id=settlement_id, after=after, limit=limit + 1
    )
    return page_after(rows, limit, RelocationReportRead.model_validate)
