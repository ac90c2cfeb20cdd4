"""Programme and category periods of households and people."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import WithinQuery
from services.common.text import IsoDate
from services.registry.codes import Programme
from services.registry.programmes.schemas import MembershipCreate, MembershipEnd, MembershipRead
from services.registry.programmes.service import MembershipService

router = APIRouter(prefix="/api/v1/programmes", tags=["programmes"])

Reader = Annotated[Principal, requires(Permission.households_read)]
Writer = Annotated[Principal, requires(Permission.households_write)]


@router.post(
    "",
    response_model=MembershipRead,
    status_code=201,
    responses={200: {"description": "The same request was already applied (a retry)"}},
)
async def add_programme_period(
    body: MembershipCreate, principal: Writer, session: SessionDep, response: Response
) -> MembershipRead:
    """Put a household (or one member) in a programme from a date; periods never overlap."""
    membership, created = await MembershipService(session).create(body, principal)
    if created:
        audit_trail(session).record(
            "programme.start", "programme_membership", str(membership.id), area_code=membership.area_code
        )
    else:
        response.status_code = status.HTTP_200_OK
    return MembershipRead.model_validate(membership)


@router.post("/{membership_id:uuid}/end", response_model=MembershipRead)
async def end_programme_period(
    membership_id: uuid.UUID, body: MembershipEnd, principal: Writer, session: SessionDep
) -> MembershipRead:
    """End a programme period on a date (repeating the same end date changes nothing). A 监测户
    (`monitored`) period is ended only by its case's elimination (422 `category_follows_cases`)."""
    membership = await MembershipService(session).end(membership_id, body, principal)
    audit_trail(session).record(
        "programme.end", "programme_membership", str(membership.id), area_code=membership.area_code
    )
    return MembershipRead.model_validate(membership)


@router.get("", response_model=Page[MembershipRead])
async def list_programme_periods(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    household_id: uuid.UUID | None = None,
    programme: Programme | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Only periods in force on this date")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[MembershipRead]:
    """List programme periods, e.g. everyone in 低保 in a town on a date."""
    return await MembershipService(session).list(
        principal,
        household_id=household_id,
        programme=programme.value if programme else None,
        within=within,
        as_of=as_of,
        limit=limit,
        cursor=cursor,
    )
