"""Assets' checks reported from phones (资产核查, 管护巡查): thin endpoints over the check intake."""

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
from services.projects.checks.intake import CheckReportIntake
from services.projects.checks.repository import CheckReportRepository
from services.projects.checks.schemas import (
    CheckReport,
    CheckReportBatch,
    CheckReportBatchResult,
    CheckReportRead,
)

router = APIRouter(prefix="/api/v1", tags=["assets and their notices"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.assets_report)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same report again (a retry): no effect"}}


def report_not_found(report_id: uuid.UUID) -> NotFound:
    return NotFound(f"No check report {report_id}", code="report_not_found")


@router.post("/asset-checks", response_model=CheckReportRead, status_code=201, responses=RETRY)
async def report_check(
    body: CheckReport, principal: Reporter, session: SessionDep, response: Response
) -> CheckReportRead:
    """An asset's check reported from a phone, with photo references: the yearly check (核查清算) of a
    year — recorded as the asset's check of that year, once (409 `check_done`) — or an upkeep inspection
    (管护巡查). The same id and content again is the same report (200), other content 409."""
    [item] = await CheckReportIntake(session).answer_items([body], principal)
    answer_single(item, response)
    report = await CheckReportRepository(session).get(body.id, principal.scope_prefix)
    if report is None:
        raise report_not_found(body.id)
    return CheckReportRead.model_validate(report)


@router.post("/asset-checks/batch", response_model=CheckReportBatchResult)
async def report_checks_batch(
    body: CheckReportBatch, principal: Reporter, session: SessionDep
) -> CheckReportBatchResult:
    """What a phone kept offline, up to 1,000 reports, each answered alone: created, duplicate (the same
    id and content again: no effect), conflict (the id with other content, a year checked already, a
    disposed asset) or invalid (an asset not in your area among them)."""
    return await CheckReportIntake(session).take(body.items, principal)


@router.get("/asset-checks", response_model=Page[CheckReportRead])
async def list_check_reports(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    asset_id: uuid.UUID | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[CheckReportRead]:
    """Check reports of the assets in your area (or of one asset), with their photo references."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await CheckReportRepository(session).page(
        principal.scope_prefix, within, asset_id=asset_id, after=after, limit=limit + 1
    )
    return page_after(rows, limit, CheckReportRead.model_validate)
