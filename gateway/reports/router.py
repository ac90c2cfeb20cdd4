"""GET /api/v1/reports/area-summary: an area's report on a date, as JSON or as a workbook."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from gateway.identity.context import allowed
from gateway.reports.compose import gather_sections
from gateway.reports.names import area_names
from gateway.reports.workbook import summary_workbook
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Reader = Annotated[Principal, allowed(Permission.aggregates_read)]  # counts only: bureaus may read it
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MissingSection(BaseModel):
    section: str
    service: str
    reason: str = Field(description="Why it is missing, e.g. the service did not answer in time")


class AreaSummary(BaseModel):
    area_code: str
    as_of: date
    complete: bool = Field(description="False when a service could not give its part: see missing")
    missing: list[MissingSection]
    registry: dict[str, Any] | None = Field(
        description="Households and people by child area and by programme or category "
        "(as GET /api/v1/registry-stats/households answers)"
    )
    monitoring: dict[str, Any] | None = Field(
        description="Monitored households by type and state, alerts, cases past the limit, visit "
        "compliance by cadre (as GET /api/v1/monitoring-stats answers)"
    )
    employment: dict[str, Any] | None = Field(
        description="People working away by household category and destination, year on year "
        "(as GET /api/v1/employment-stats answers)"
    )
    welfare_posts: dict[str, Any] | None = Field(
        description="Public-welfare posts by funding source and type (as GET /api/v1/welfare-post-stats)"
    )
    training: dict[str, Any] | None = Field(
        description="Training and placement (as GET /api/v1/training-stats answers)"
    )
    projects: dict[str, Any] | None = Field(
        description="Projects and their money (fen) by sector, source and state, and the counterpart-support "
        "share (as GET /api/v1/project-stats answers)"
    )
    stations: dict[str, Any] | None = Field(
        description="Photovoltaic stations on the grid and their capacity, the month's output and "
        "low-output stations, alarms open by kind, the year's revenue and its allocation (fen) "
        "(as GET /api/v1/station-stats answers)"
    )
    relocation: dict[str, Any] | None = Field(
        description="Relocation settlements (易地扶贫搬迁): households planned (relocated and turnkey), "
        "signed up, down-payments paid (households, fen), handed over, moved in, old houses demolished, late "
        "payments and settlements behind plan, per settlement (as GET /api/v1/relocation-stats answers)"
    )
    presence: dict[str, Any] | None = Field(
        description="Work teams' days in the village this year by duty against the targets, and members "
        "behind target; study, training and publicity sessions and their attendance (人次) by kind and "
        "audience (as GET /api/v1/oversight-stats answers)"
    )
    credit: dict[str, Any] | None = Field(
        description="Micro-credit (小额信贷): loans outstanding and their balance (fen), due within the "
        "warning days, overdue, repaid on time or late, written off, by child area "
        "(as GET /api/v1/credit-stats answers)"
    )
    village_profile: dict[str, Any] | None = Field(
        description="Each village's profile (村情): land and roads as typed; households, people, "
        "housing, water difficulty, 贫困户/低保/五保 counted on the day "
        "(as GET /api/v1/registry-stats/village-profiles)"
    )


@router.get(
    "/area-summary",
    response_model=AreaSummary,
    responses={200: {"content": {XLSX: {}}, "description": "The report (JSON, or a workbook)"}},
)
async def area_summary(
    request: Request,
    principal: Reader,
    area: AreaQuery,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
    format: Annotated[
        Literal["json", "xlsx"], Query(description="json, or xlsx: one sheet per section")
    ] = "json",
) -> Any:
    """An area's figures on a date from every service, each with its child areas; partial if one is down."""
    area_in_scope(area, principal)  # outside your scope: 404 here, before any service is asked
    day = as_of or china_today()
    timeout_s = request.app.state.settings.upstream_timeout_s
    gathered = await gather_sections(request, principal, area, day, timeout_s)
    missing = [MissingSection(**m) for m in gathered.missing]
    head = {"area_code": area, "as_of": day.isoformat(), "complete": not missing, "missing": gathered.missing}
    if format == "json":  # the sections' own texts side by side (AreaSummary describes the result)
        return Response(gathered.as_json(head), media_type="application/json")
    summary = AreaSummary(
        area_code=area, as_of=day, complete=not missing, missing=missing, **gathered.parsed()
    )
    names = await area_names(request, principal, area, timeout_s)  # every code shows its name
    filename = f"area-summary-{area}-{day.isoformat()}.xlsx"
    return StreamingResponse(
        summary_workbook(summary.model_dump(mode="json"), names),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
