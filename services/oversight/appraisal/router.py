"""Appraisal (考核): schemes set by the county (each save a new version) and scores as of a date."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.oversight.appraisal.indicators import Level
from services.oversight.appraisal.repository import AppraisalRepository
from services.oversight.appraisal.schemas import AppraisalScores, SchemeRead, SchemeSet
from services.oversight.appraisal.service import AppraisalService

router = APIRouter(prefix="/api/v1", tags=["appraisal"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
Appraiser = Annotated[Principal, requires(Permission.appraisal_manage)]
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"description": "A new version, in force from its effective_from", "model": SchemeRead},
}


@router.put("/appraisal-schemes", response_model=SchemeRead, responses=CREATED)
async def set_scheme(
    body: SchemeSet, principal: Appraiser, session: SessionDep, response: Response
) -> SchemeRead:
    """Set an area's appraisal scheme (考核方案) for a year and level as a new version from a date (201);
    the same scheme again is answered 200 and changes nothing. Scores of dates before the new version
    keep the version they used."""
    scheme, created = await AppraisalService(session).set_scheme(body, principal)
    if created:
        response.status_code = 201
        audit_trail(session).record(
            "appraisal_scheme.set",
            "appraisal_scheme",
            str(scheme.id),
            area_code=scheme.area_code,
            changes={
                "year": scheme.year,
                "level": scheme.level,
                "version": scheme.version,
                "effective_from": str(scheme.effective_from),
                "indicators": scheme.indicators,
            },
        )
    return SchemeRead.model_validate(scheme)


@router.get("/appraisal-schemes", response_model=list[SchemeRead])
async def list_schemes(
    principal: Reader,
    session: ReadSessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    level: Annotated[Level | None, Query(description=Level.describe())] = None,
) -> list[SchemeRead]:
    """Every version that applies in your area (set in it or above it), newest year and version first."""
    rows = await AppraisalRepository(session).schemes(
        principal.scope, principal.scope_prefix, year=year, level=level.value if level else None
    )
    return [SchemeRead.model_validate(r) for r in rows]


@router.get("/appraisal-scores", response_model=AppraisalScores)
async def get_scores(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    level: Annotated[Level, Query(description=Level.describe())],
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
) -> AppraisalScores:
    """Each unit of the level in the area scored as of the date with the scheme in force then: the
    total and each indicator with the figures and thresholds it used and why. Monitoring's and jobs'
    figures are read on your behalf; one that cannot be read is named as missing, not a failure."""
    code, day = area_in_scope(area, principal), as_of or china_today()
    return await AppraisalService(session).scores(request, level, code, day)
