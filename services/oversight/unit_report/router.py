"""A support unit's report (定点帮扶单位工作报告) for a period."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.errors import ValidationFailed
from services.common.guards import requires
from services.common.text import IsoDate
from services.oversight.unit_report.schemas import UnitReport
from services.oversight.unit_report.service import unit_report

router = APIRouter(prefix="/api/v1", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
MAX_DAYS = 366 * 5


@router.get("/support-units/{unit_id:uuid}/report", response_model=UnitReport)
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
) -> UnitReport:
    """What the unit did (实事) in its villages in your area in the period: its work teams and each
    member's days in the village, the rectification items it is responsible for, sessions held in its
    villages, its cadres' contacts with households, and each village's projects and money, visits and
    training, read from the other services on your behalf (a figure one cannot give is listed as
    missing, not a failure)."""
    last = last or china_today()
    first = first or date(last.year, 1, 1)
    if first > last:
        raise ValidationFailed.field(["query", "from"], "from is after to", "from_after_to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed.field(["query", "from"], "The period is at most five years", "period_too_long")
    return await unit_report(session, request, unit_id, principal, first, last)
