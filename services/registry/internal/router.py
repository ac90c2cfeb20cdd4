"""What other services ask the registry on their caller's behalf: which household an ID number
belongs to (partner feeds, 人社 employment records), where a person or a household lives (employment,
inspections), which cadre is paired with which household (visit compliance), what the ids in a request's
body stand for (so each is checked against the caller's area), and the household
numbers and cadres' and villages' names a ledger shows beside ids (monitoring's 台账).

Internal: the gateway does not route /internal paths, so only a service holding the caller's token
(made by the gateway for both services) reaches them, and the caller's own role and scope apply.
They answer ids, codes, household numbers and the names of cadres and villages only, never residents'
names or ID numbers.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.common.audit.requests import record_denial
from services.common.auth import Permission, Principal, current_principal
from services.common.database import ReadSessionDep
from services.common.errors import Forbidden
from services.common.guards import requires
from services.registry.households.router import Vault
from services.registry.internal.repository import InternalRepository
from services.registry.internal.schemas import (
    AreaName,
    CadreName,
    CadreReach,
    CategoryPeriod,
    HouseholdNumber,
    HouseholdPlace,
    LookupRequest,
    LookupResult,
    NamesRequest,
    NamesResult,
    PersonPlace,
    ReferencesRequest,
    ReferencesResult,
    Resolved,
    ResolveRequest,
    ResolveResult,
    RosterHousehold,
    RosterRequest,
    RosterResult,
)
from services.registry.national_id import NationalIdError, parse

router = APIRouter(prefix="/internal/v1", include_in_schema=False)

Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
Reader = Annotated[Principal, requires(Permission.households_read)]


async def _reads_references(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
    """Households' villages are also asked for a bureau system's batch (beneficiary links): ids and
    codes only, so pushing feeds is enough."""
    if principal.can(Permission.partner_feeds_push):
        return principal
    try:
        principal.require(Permission.households_read)
    except Forbidden as exc:
        await record_denial(request, exc)
        raise
    return principal


ReferenceReader = Annotated[Principal, Depends(_reads_references)]


@router.post("/people/resolve", response_model=ResolveResult)
async def resolve_people(
    body: ResolveRequest, principal: Pusher, session: ReadSessionDep, vault: Vault
) -> ResolveResult:
    indexes: list[bytes | None] = []
    for raw in body.national_ids:
        try:
            indexes.append(vault.blind_index(parse(raw).number))
        except NationalIdError:
            indexes.append(None)
    wanted = [i for i in indexes if i is not None]
    rows = await InternalRepository(session).living_by_index(wanted, principal.scope_prefix)
    repository = InternalRepository(session)
    people = await with_periods(repository, [Resolved.model_validate(r, from_attributes=True) for r in rows])
    found = {r.national_id_index: person for r, person in zip(rows, people, strict=True)}
    return ResolveResult(matches=[found.get(i) if i is not None else None for i in indexes])


@router.post("/people/lookup", response_model=LookupResult)
async def look_up_people(body: LookupRequest, principal: Reader, session: ReadSessionDep) -> LookupResult:
    repository = InternalRepository(session)
    rows = await repository.people(body.person_ids, principal.scope_prefix)
    people = [Resolved.model_validate(r, from_attributes=True) for r in rows]
    return LookupResult(people=await with_periods(repository, people))


async def with_periods(repository: InternalRepository, people: list[Resolved]) -> list[Resolved]:
    """Each person's household's 脱贫户/监测户 periods: the registry says what the category was on a day."""
    if not people:
        return people
    periods: dict[uuid.UUID, list[CategoryPeriod]] = {}
    for row in await repository.category_periods(sorted({p.household_id for p in people})):
        periods.setdefault(row.household_id, []).append(
            CategoryPeriod.model_validate(row, from_attributes=True)
        )
    return [p.model_copy(update={"category_periods": periods.get(p.household_id, [])}) for p in people]


@router.post("/references", response_model=ReferencesResult)
async def look_up_references(
    body: ReferencesRequest, principal: ReferenceReader, session: ReadSessionDep
) -> ReferencesResult:
    """What the ids in another service's request body stand for, seen from the caller's scope: where
    each household lives, whose member each person is, and which area and households each cadre has.
    An id outside the caller's scope is simply absent, as if it did not exist."""
    scope, repository = principal.scope_prefix, InternalRepository(session)
    households = await repository.household_places(body.household_ids, scope)
    people = await repository.person_places(body.person_ids, scope)
    reach = {
        row.id: CadreReach(cadre_id=row.id, area_code=row.area_code, paired_household_ids=[])
        for row in await repository.cadres_in_reach(body.cadre_ids, scope)
    }
    missing = sorted(set(body.household_ids) - {row.household_id for row in households})
    deleted, moved = await repository.households_gone(missing, scope) if missing else ([], [])
    successors = await repository.successors(body.area_codes, scope) if body.area_codes else {}
    if reach and body.household_ids:
        for pairing in await repository.pairings_now(list(reach), body.household_ids, scope):
            reach[pairing.cadre_id].paired_household_ids.append(pairing.household_id)
    return ReferencesResult(
        households=[HouseholdPlace.model_validate(r, from_attributes=True) for r in households],
        people=[PersonPlace.model_validate(r, from_attributes=True) for r in people],
        cadres=list(reach.values()),
        deleted_household_ids=deleted,
        moved_household_ids=moved,
        successors=successors,
    )


@router.post("/names", response_model=NamesResult)
async def names(body: NamesRequest, principal: Reader, session: ReadSessionDep) -> NamesResult:
    """What a ledger shows beside ids (monitoring's 台账): household numbers, cadres' and villages' names."""
    scope, repository = principal.scope_prefix, InternalRepository(session)
    households = await repository.household_numbers(body.household_ids, scope)
    cadres = await repository.cadre_names(body.cadre_ids, scope)
    areas = await repository.area_names(body.area_codes, scope)
    return NamesResult(
        households=[HouseholdNumber.model_validate(r, from_attributes=True) for r in households],
        cadres=[CadreName.model_validate(r, from_attributes=True) for r in cadres],
        areas=[AreaName.model_validate(r, from_attributes=True) for r in areas],
    )


@router.post("/households/roster", response_model=RosterResult)
async def roster(body: RosterRequest, principal: Reader, session: ReadSessionDep) -> RosterResult:
    """Households of an area (inside the caller's scope) on a day, with each one's category then: whom
    monitoring plans for (一户一方案) and whom a screening round visits (拉网式排查). Ids and codes only."""
    rows = await InternalRepository(session).roster(
        principal.scope_prefix,
        body.within,
        body.on,
        body.categories,
        body.household_ids,
        body.after,
        body.limit,
    )
    return RosterResult(households=[RosterHousehold.model_validate(r, from_attributes=True) for r in rows])
