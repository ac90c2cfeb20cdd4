"""Assistance measures (帮扶措施) of enrolled households: planned, carried out, money, responsible cadre."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.openapi import conflict_with_current
from services.monitoring.measures.schemas import MeasureCreate, MeasureRead, MeasureUpdate
from services.monitoring.measures.service import MeasureService
from services.monitoring.references import registry_lookup

router = APIRouter(prefix="/api/v1", tags=["measures"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Planner = Annotated[Principal, requires(Permission.measures_write)]


@router.post(
    "/cases/{case_id:uuid}/measures",
    response_model=MeasureRead,
    status_code=201,
    responses={200: {"description": "The same measure again (a retry): no effect"}},
)
async def add_measure(
    case_id: uuid.UUID,
    body: MeasureCreate,
    principal: Planner,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MeasureRead:
    """Plan a measure for the household or one member, with the responsible cadre, dates and money."""
    measure, created = await MeasureService(session).add(case_id, body, principal, registry_lookup(request))
    if created:
        audit_trail(session).record("measure.create", "measure", str(measure.id), area_code=measure.area_code)
    else:
        response.status_code = 200
    return MeasureRead.model_validate(measure)


@router.get("/cases/{case_id:uuid}/measures", response_model=list[MeasureRead])
async def list_measures(case_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> list[MeasureRead]:
    """The household's plan: every measure of the case, by start date."""
    return [MeasureRead.model_validate(m) for m in await MeasureService(session).of_case(case_id, principal)]


@router.patch(
    "/measures/{measure_id:uuid}", response_model=MeasureRead, responses=conflict_with_current(MeasureRead)
)
async def update_measure(
    measure_id: uuid.UUID, body: MeasureUpdate, principal: Planner, session: SessionDep
) -> MeasureRead:
    """Record progress: status, end date, money, description (with `base_version`)."""
    measure = await MeasureService(session).update(measure_id, body, principal)
    audit_trail(session).record(
        "measure.update",
        "measure",
        str(measure.id),
        area_code=measure.area_code,
        changes=body.model_dump(mode="json", exclude={"base_version"}, exclude_unset=True),
    )
    return MeasureRead.model_validate(measure)
