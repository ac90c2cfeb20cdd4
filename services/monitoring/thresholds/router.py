"""The yearly monitoring lines and intervals (监测标准), set per area by the county."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.fields import AREA_CODE_PATTERN
from services.common.guards import requires
from services.monitoring.thresholds.repository import ThresholdRepository
from services.monitoring.thresholds.schemas import ThresholdCreate, ThresholdRead
from services.monitoring.thresholds.service import ThresholdService

router = APIRouter(prefix="/api/v1/thresholds", tags=["thresholds"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Manager = Annotated[Principal, requires(Permission.thresholds_manage)]
YearQuery = Annotated[int, Query(ge=2000, le=2100)]


@router.post("", response_model=ThresholdRead, status_code=201)
async def set_thresholds(body: ThresholdCreate, principal: Manager, session: SessionDep) -> ThresholdRead:
    """Set an area's figures for a year as a new version; results already made keep the version they used."""
    row = await ThresholdService(session).create(body, principal)
    audit_trail(session).record(
        "thresholds.set",
        "thresholds",
        str(row.id),
        area_code=row.area_code,
        changes={"year": row.year, "version": row.version},
    )
    return ThresholdRead.model_validate(row)


@router.get("", response_model=list[ThresholdRead])
async def list_thresholds(
    principal: Reader,
    session: ReadSessionDep,
    year: YearQuery | None = None,
    area_code: Annotated[str | None, Query(pattern=AREA_CODE_PATTERN)] = None,
) -> list[ThresholdRead]:
    """Every version that applies in your area (set in it or above it), newest year and version first."""
    rows = await ThresholdRepository(session).list(
        principal.scope, principal.scope_prefix, year=year, area_code=area_code
    )
    return [ThresholdRead.model_validate(r) for r in rows]


@router.get("/in-force", response_model=ThresholdRead)
async def thresholds_in_force(
    principal: Reader,
    session: ReadSessionDep,
    area_code: Annotated[str, Query(pattern=AREA_CODE_PATTERN, description="A village, town or county")],
    year: YearQuery,
) -> ThresholdRead:
    """The version the rules use for an area and year: the most specific area's latest version."""
    # Outside your area the answer is the same as for an area with no thresholds: nothing to see.
    return ThresholdRead.model_validate(await ThresholdService(session).in_force(area_code, year, principal))
