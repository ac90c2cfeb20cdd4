"""Village profile (村情) endpoints: groups, group moves, the yearly profile, group pairings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import AreaQuery, area_in_scope
from services.common.text import IsoDate
from services.registry.villages.groups import GroupService
from services.registry.villages.schemas import (
    GroupCreate,
    GroupMoveCreate,
    GroupPairingCreate,
    GroupPairingEnd,
    GroupPairingRead,
    GroupRead,
    GroupWithCounts,
    HouseholdGroupRead,
    ProfileRead,
    ProfileStats,
    ProfileWrite,
)
from services.registry.villages.service import ProfileService

router = APIRouter(prefix="/api/v1", tags=["village profile"])

Reader = Annotated[Principal, requires(Permission.households_read)]
Writer = Annotated[Principal, requires(Permission.households_write)]
Manager = Annotated[Principal, requires(Permission.cadres_manage)]
Counter = Annotated[Principal, requires(Permission.aggregates_read)]
VillagePath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="The village's 12-digit code")]
YearPath = Annotated[int, Path(ge=2000, le=2100, description="The profile's year")]
AsOf = Annotated[IsoDate | None, Query(description="As things stood on this date (default today)")]
REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": "Already there (a retry)"}}


@router.post("/areas/{code}/groups", response_model=GroupRead, status_code=201, responses=REPLAYED)
async def create_group(
    code: VillagePath, body: GroupCreate, principal: Writer, session: SessionDep, response: Response
) -> GroupRead:
    """Add a group (村民小组) to a village by number and name; the same again is the same group."""
    group, created = await GroupService(session).create(code, body, principal)
    if created:
        audit_trail(session).record("group.create", "village_group", str(group.id), area_code=code)
    else:
        response.status_code = status.HTTP_200_OK
    return GroupRead.model_validate(group)


@router.get("/areas/{code}/groups", response_model=Page[GroupWithCounts])
async def list_groups(
    code: VillagePath,
    principal: Reader,
    session: ReadSessionDep,
    as_of: AsOf = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[GroupWithCounts]:
    """A village's groups by number, each with its households and people on the day."""
    return await GroupService(session).list(code, principal, as_of or china_today(), limit, cursor)


@router.post("/households/{household_id:uuid}/group", response_model=list[HouseholdGroupRead])
async def move_household_group(
    household_id: uuid.UUID, body: GroupMoveCreate, principal: Writer, session: SessionDep
) -> list[HouseholdGroupRead]:
    """Put a household in a group (or take it out) from a day; answers its group periods, oldest first."""
    household, periods = await GroupService(session).move(household_id, body, principal)
    audit_trail(session).record(
        "household.group",
        "household",
        str(household.id),
        area_code=household.area_code,
        changes={"group_id": str(body.group_id) if body.group_id else None},
    )
    return [HouseholdGroupRead.model_validate(p) for p in periods]


@router.get("/households/{household_id:uuid}/groups", response_model=list[HouseholdGroupRead])
async def household_groups(
    household_id: uuid.UUID, principal: Reader, session: SessionDep
) -> list[HouseholdGroupRead]:
    """The groups a household has been in, with their dates, oldest first."""
    periods = await GroupService(session).periods(household_id, principal)
    return [HouseholdGroupRead.model_validate(p) for p in periods]


@router.get("/areas/{code}/profiles/{year}", response_model=ProfileRead)
async def read_profile(
    code: VillagePath, year: YearPath, principal: Reader, session: ReadSessionDep, as_of: AsOf = None
) -> ProfileRead:
    """A village's profile (村情) for a year: land, roads, water, facilities as typed, and households,
    people, housing, water difficulty, 贫困户/低保/五保 counted from the registry on the day."""
    return await ProfileService(session).read(code, year, as_of or china_today(), principal)


@router.put(
    "/areas/{code}/profiles/{year}",
    response_model=ProfileRead,
    responses={201: {"model": ProfileRead, "description": "The year's profile was created"}},
)
async def write_profile(
    code: VillagePath,
    year: YearPath,
    body: ProfileWrite,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> ProfileRead:
    """Type a village's profile for a year (no base_version), or change it (the version read)."""
    service = ProfileService(session)
    profile, created = await service.write(code, year, body, principal)
    audit_trail(session).record(
        "village_profile.create" if created else "village_profile.update",
        "village_profile",
        str(profile.id),
        area_code=code,
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return await service.read(code, year, max(china_today(), profile.valid_from), principal)


@router.get("/registry-stats/village-profiles", response_model=ProfileStats)
async def village_profile_stats(
    principal: Counter, session: ReadSessionDep, area: AreaQuery, as_of: AsOf = None
) -> ProfileStats:
    """Each village's profile in an area on a date (the area report's 村情 sheet): counts only."""
    return await ProfileService(session).stats(area_in_scope(area, principal), as_of or china_today())


@router.post(
    "/cadres/{cadre_id:uuid}/group-pairings",
    response_model=GroupPairingRead,
    status_code=201,
    responses=REPLAYED,
)
async def pair_cadre_with_group(
    cadre_id: uuid.UUID, body: GroupPairingCreate, principal: Manager, session: SessionDep, response: Response
) -> GroupPairingRead:
    """Pair a cadre with a whole group (包联一个组): each household in it, and each that joins later."""
    service = GroupService(session)
    pairing, created = await service.pair(cadre_id, body, principal)
    if created:
        audit_trail(session).record(
            "cadre.pair_group", "group_pairing", str(pairing.id), area_code=pairing.area_code
        )
    else:
        response.status_code = status.HTTP_200_OK
    return _pairing_read(pairing, await service.covered(pairing))


@router.post("/cadres/group-pairings/{pairing_id:uuid}/end", response_model=GroupPairingRead)
async def end_group_pairing(
    pairing_id: uuid.UUID, body: GroupPairingEnd, principal: Manager, session: SessionDep
) -> GroupPairingRead:
    """End a group pairing and the household pairings it made."""
    service = GroupService(session)
    pairing = await service.end_pairing(pairing_id, body, principal)
    audit_trail(session).record(
        "cadre.unpair_group", "group_pairing", str(pairing.id), area_code=pairing.area_code
    )
    return _pairing_read(pairing, await service.covered(pairing))


def _pairing_read(pairing: Any, households: int) -> GroupPairingRead:
    fields = ("id", "cadre_id", "group_id", "area_code", "starts_on", "ends_on")
    return GroupPairingRead.model_validate(
        {**{k: getattr(pairing, k) for k in fields}, "households": households}
    )
