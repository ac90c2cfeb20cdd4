"""A support unit's report (定点帮扶单位工作报告) for a period."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.errors import ValidationFailed
from services.common.guards import requires
from services.common.ledgers import XLSX
from services.common.text import IsoDate
from services.oversight.unit_report.schemas import UnitReport
from services.oversight.unit_report.service import unit_report
from services.oversight.unit_report.workbook import report_workbook

router = APIRouter(prefix="/api/v1", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
MAX_DAYS = 366 * 5
WORKBOOK: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "The report (JSON), or its workbook with ?format=xlsx"},
}


@router.get("/support-units/{unit_id:uuid}/report", response_model=UnitReport, responses=WORKBOOK)
async def get_unit_report(
    unit_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    first: Annotated[
        IsoDate | None, Query(alias="from", description="The period's first day (default: to's year's start)")
    ] = None,
    last: Annotated[
        IsoDate | None, Query(alias="to", description="The period's last day (default today)")
    ] = None,
    format: Annotated[
        Literal["json", "xlsx"], Query(description="json (default) or xlsx: the same report as a workbook")
    ] = "json",
) -> UnitReport | Response:
    """What the unit did (实事) in its villages in your area in the period: its work teams and each
    member's days in the village, the rectification items it is responsible for, sessions held in its
    villages, its cadres' contacts with households, and each village's projects and money, visits and
    training, read from the other services on your behalf (a figure one cannot give is listed as
    missing, not a failure). With format=xlsx, a workbook with Chinese headings."""
    last = last or china_today()
    first = first or date(last.year, 1, 1)
    if first > last:
        raise ValidationFailed.field(["query", "from"], "from is after to", "from_after_to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed.field(["query", "from"], "The period is at most five years", "period_too_long")
    report = await unit_report(session, request, unit_id, principal, first, last)
    return await report_workbook(request, report) if format == "xlsx" else report
