"""Assistance cadres and their pairings with households."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import WithinQuery
from services.common.text import CleanText
from services.registry.cadres.schemas import (
    AssignmentCreate,
    AssignmentEnd,
    AssignmentRead,
    CadreCreate,
    CadreRead,
    HouseholdCadre,
)
from services.registry.cadres.service import CadreService, assignment_read

router = APIRouter(prefix="/api/v1", tags=["cadres"])

Reader = Annotated[Principal, requires(Permission.households_read)]
Manager = Annotated[Principal, requires(Permission.cadres_manage)]
REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": "Already there (a retry)"}}


@router.post("/cadres", response_model=CadreRead, status_code=201, responses=REPLAYED)
async def create_cadre(
    body: CadreCreate, principal: Manager, session: SessionDep, response: Response
) -> CadreRead:
    """Register an assistance cadre (帮扶责任人) with unit and phone."""
    cadre, created = await CadreService(session).create(body, principal)
    if created:
        audit_trail(session).record("cadre.create", "cadre", str(cadre.id), area_code=cadre.area_code)
    else:
        response.status_code = status.HTTP_200_OK
    return CadreRead.model_validate(cadre)


@router.get("/cadres", response_model=Page[CadreRead])
async def list_cadres(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    name: Annotated[
        CleanText | None, Query(min_length=1, max_length=50, description="Name starts with")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[CadreRead]:
    """List cadres in your area by name."""
    return await CadreService(session).list(principal, within=within, name=name, limit=limit, cursor=cursor)


@router.get("/cadres/{cadre_id:uuid}", response_model=CadreRead)
async def get_cadre(cadre_id: uuid.UUID, principal: Reader, session: SessionDep) -> CadreRead:
    """Read one cadre."""
    return CadreRead.model_validate(await CadreService(session).get(cadre_id, principal))


@router.post(
    "/cadres/{cadre_id:uuid}/assignments", response_model=AssignmentRead, status_code=201, responses=REPLAYED
)
async def pair_cadre(
    cadre_id: uuid.UUID, body: AssignmentCreate, principal: Manager, session: SessionDep, response: Response
) -> AssignmentRead:
    """Pair a cadre with a household (一户一帮扶责任人); pairing again changes nothing."""
    assignment, created = await CadreService(session).assign(cadre_id, body, principal)
    if created:
        audit_trail(session).record(
            "cadre.pair", "cadre_assignment", str(assignment.id), area_code=assignment.area_code
        )
    else:
        response.status_code = status.HTTP_200_OK
    return assignment_read(assignment)


@router.post("/cadres/assignments/{assignment_id:uuid}/end", response_model=AssignmentRead)
async def end_pairing(
    assignment_id: uuid.UUID, body: AssignmentEnd, principal: Manager, session: SessionDep
) -> AssignmentRead:
    """End a pairing (the cadre moves on); it stays in the household's past cadres."""
    assignment = await CadreService(session).end(assignment_id, body, principal)
    audit_trail(session).record(
        "cadre.unpair", "cadre_assignment", str(assignment.id), area_code=assignment.area_code
    )
    return assignment_read(assignment)


@router.get("/households/{household_id:uuid}/cadres", response_model=list[HouseholdCadre])
async def household_cadres(
    household_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[HouseholdCadre]:
    """A household's current and past cadres, current first."""
    return await CadreService(session).of_household(household_id, principal)
