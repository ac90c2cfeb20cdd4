"""Plans for everyone (一户一方案、一人一措施): measures for any 脱贫户, 监测户 or 边缘户, case or not,
and the share of households with a plan in force, per village, on a day."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.area_codes import prefix_of
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate
from services.monitoring.measures.schemas import MeasureCreate, MeasureRead
from services.monitoring.names import registry_names
from services.monitoring.plans.schemas import CoveredCategory, HouseholdPlan, PlanCoverage
from services.monitoring.plans.service import PlanService, Roster
from services.monitoring.references import registry_lookup
from services.monitoring.roster import Listed, roster

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Planner = Annotated[Principal, requires(Permission.measures_write)]


def _roster(request: Request) -> Roster:
    async def ask(**kwargs: Any) -> list[Listed]:
        return await roster(request, **kwargs)

    return ask


@router.get("/coverage", response_model=PlanCoverage)
async def plan_coverage(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    area: AreaQuery,
    as_of: Annotated[IsoDate | None, Query(description="The day (default: today, China time)")] = None,
    category: Annotated[
        CoveredCategory, Query(description="escaped 脱贫户 (default) or monitored 监测户")
    ] = "escaped",
) -> PlanCoverage:
    """Households of the category on the day, and how many had a measure in force: in all and by village."""
    code = area_in_scope(area, principal)
    day: date = as_of or china_today()

    async def names(codes: list[str]) -> dict[str, str]:
        return (await registry_names(request, (), (), codes)).areas

    return await PlanService(session).coverage(code, prefix_of(code), day, category, _roster(request), names)


@router.post(
    "/{household_id:uuid}/measures",
    response_model=MeasureRead,
    status_code=201,
    responses={
        200: {"description": "The same measure again (a retry): no effect"},
        409: {"description": "`household_not_plannable`: not a household plans are made for"},
    },
)
async def add_plan_measure(
    household_id: uuid.UUID,
    body: MeasureCreate,
    principal: Planner,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MeasureRead:
    """Plan a measure for a household or one member, with or without an open case (一户一方案)."""
    settings = request.app.state.settings
    measure, created = await PlanService(session).add(
        household_id, body, principal, _roster(request), registry_lookup(request), settings.plannable
    )
    if created:
        audit_trail(session).record("measure.create", "measure", str(measure.id), area_code=measure.area_code)
    else:
        response.status_code = 200
    return MeasureRead.model_validate(measure)


@router.get("/{household_id:uuid}", response_model=HouseholdPlan)
async def household_plan(
    household_id: uuid.UUID, principal: Reader, session: ReadSessionDep, request: Request
) -> HouseholdPlan:
    """The household's plan: every measure, of a case or not, by start date."""
    return await PlanService(session).plan(household_id, principal, _roster(request))
