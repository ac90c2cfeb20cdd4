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
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import ARRAY, Select, String, bindparam, func, select

from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.registry.households.router import Vault
from services.registry.models import Area, Cadre, CadreAssignment, Household, Person
from services.registry.national_id import NationalIdError, parse

router = APIRouter(prefix="/internal/v1", include_in_schema=False)

Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
Reader = Annotated[Principal, requires(Permission.households_read)]


class ResolveRequest(BaseModel):
    national_ids: list[str] = Field(min_length=1, max_length=1000)


class Resolved(BaseModel):
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    household_category: str
    alive: bool


class ResolveResult(BaseModel):
    matches: list[Resolved | None] = Field(description="In the order asked; null: no living person in scope")


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
    rows = await session.execute(
        _facts(Person.national_id_index).where(
            Person.national_id_index.in_(wanted),  # type: ignore[attr-defined]
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            Person.deceased_on.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, principal.scope_prefix),
        )
    )
    found = {r.national_id_index: Resolved.model_validate(r, from_attributes=True) for r in rows}
    return ResolveResult(matches=[found.get(i) if i is not None else None for i in indexes])


def _facts(*extra: Any) -> Select[Any]:
    return select(
        *extra,
        Person.id.label("person_id"),  # type: ignore[attr-defined]
        Person.household_id,
        Person.area_code,
        Household.category.label("household_category"),  # type: ignore[attr-defined]
        Person.deceased_on.is_(None).label("alive"),  # type: ignore[union-attr]
    ).join(Household, Household.id == Person.household_id)


class LookupRequest(BaseModel):
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class LookupResult(BaseModel):
    people: list[Resolved] = Field(description="Those of the ids asked that are registered in scope")


@router.post("/people/lookup", response_model=LookupResult)
async def look_up_people(body: LookupRequest, principal: Reader, session: ReadSessionDep) -> LookupResult:
    rows = await session.execute(
        _facts().where(
            Person.id.in_(body.person_ids),  # type: ignore[attr-defined]
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, principal.scope_prefix),
        )
    )
    return LookupResult(people=[Resolved.model_validate(r, from_attributes=True) for r in rows])


MAX_REFERENCES = 5000


class ReferencesRequest(BaseModel):
    household_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)
    person_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)
    cadre_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)


class HouseholdPlace(BaseModel):
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village now (after any move or merge)")


class PersonPlace(BaseModel):
    person_id: uuid.UUID
    household_id: uuid.UUID


class CadreReach(BaseModel):
    cadre_id: uuid.UUID
    area_code: str = Field(description="The cadre's own area")
    paired_household_ids: list[uuid.UUID] = Field(
        description="Of the households asked, those the cadre is paired with now"
    )


class ReferencesResult(BaseModel):
    households: list[HouseholdPlace] = Field(description="Those asked that are registered in scope")
    people: list[PersonPlace] = Field(description="Those asked that are registered in scope")
    cadres: list[CadreReach] = Field(description="Of your area, or paired now with a household in it")


@router.post("/references", response_model=ReferencesResult)
async def look_up_references(
    body: ReferencesRequest, principal: Reader, session: ReadSessionDep
) -> ReferencesResult:
    """What the ids in another service's request body stand for, seen from the caller's scope: where
    each household lives, whose member each person is, and which area and households each cadre has.
    An id outside the caller's scope is simply absent, as if it did not exist."""
    scope = principal.scope_prefix
    households = await session.execute(
        select(Household.id.label("household_id"), Household.area_code).where(  # type: ignore[attr-defined]
            Household.id == func.any(uuid_array(body.household_ids)),
            Household.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Household.area_code, scope),
        )
    )
    people = await session.execute(
        select(Person.id.label("person_id"), Person.household_id).where(  # type: ignore[attr-defined]
            Person.id == func.any(uuid_array(body.person_ids)),
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, scope),
        )
    )
    current = (CadreAssignment.ends_on.is_(None)) | (CadreAssignment.ends_on >= func.current_date())  # type: ignore[union-attr, operator]
    paired_in_scope = select(CadreAssignment.id).where(
        CadreAssignment.cadre_id == Cadre.id, in_scope(CadreAssignment.area_code, scope), current
    )
    cadres = await session.execute(
        select(Cadre.id, Cadre.area_code).where(
            Cadre.id == func.any(uuid_array(body.cadre_ids)),
            in_scope(Cadre.area_code, scope) | paired_in_scope.exists(),
        )
    )
    reach = {
        row.id: CadreReach(cadre_id=row.id, area_code=row.area_code, paired_household_ids=[])
        for row in cadres
    }
    if reach and body.household_ids:
        pairings = await session.execute(
            select(CadreAssignment.cadre_id, CadreAssignment.household_id).where(
                CadreAssignment.cadre_id == func.any(uuid_array(list(reach))),
                CadreAssignment.household_id == func.any(uuid_array(body.household_ids)),
                in_scope(CadreAssignment.area_code, scope),
                current,
            )
        )
        for pairing in pairings:
            reach[pairing.cadre_id].paired_household_ids.append(pairing.household_id)
    return ReferencesResult(
        households=[HouseholdPlace.model_validate(r, from_attributes=True) for r in households],
        people=[PersonPlace.model_validate(r, from_attributes=True) for r in people],
        cadres=list(reach.values()),
    )


MAX_NAMES = 5000


class NamesRequest(BaseModel):
    household_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMES)
    cadre_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMES)
    area_codes: list[str] = Field(default=[], max_length=MAX_NAMES)


class HouseholdNumber(BaseModel):
    household_id: uuid.UUID
    number: str


class CadreName(BaseModel):
    cadre_id: uuid.UUID
    name: str


class AreaName(BaseModel):
    code: str
    name: str


class NamesResult(BaseModel):
    households: list[HouseholdNumber] = Field(description="Registered (not deleted) in scope")
    cadres: list[CadreName] = Field(description="Of your area, or ever paired with a household in it")
    areas: list[AreaName] = Field(description="In scope")


@router.post("/names", response_model=NamesResult)
async def names(body: NamesRequest, principal: Reader, session: ReadSessionDep) -> NamesResult:
    """What a ledger shows beside ids (monitoring's 台账): household numbers, cadres' and villages' names."""
    scope = principal.scope_prefix
    households = await session.execute(
        select(Household.id.label("household_id"), Household.number).where(  # type: ignore[attr-defined]
            Household.id == func.any(uuid_array(body.household_ids)),
            Household.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Household.area_code, scope),
        )
    )
    paired = select(CadreAssignment.id).where(
        CadreAssignment.cadre_id == Cadre.id, in_scope(CadreAssignment.area_code, scope)
    )
    cadres = await session.execute(
        select(Cadre.id.label("cadre_id"), Cadre.name).where(  # type: ignore[attr-defined]
            Cadre.id == func.any(uuid_array(body.cadre_ids)),
            in_scope(Cadre.area_code, scope) | paired.exists(),
        )
    )
    areas = await session.execute(
        select(Area.code, Area.name).where(
            Area.code == func.any(bindparam("areas", body.area_codes, type_=ARRAY(String))),
            in_scope(Area.code, scope),  # type: ignore[arg-type]
        )
    )
    return NamesResult(
        households=[HouseholdNumber.model_validate(r, from_attributes=True) for r in households],
        cadres=[CadreName.model_validate(r, from_attributes=True) for r in cadres],
        areas=[AreaName.model_validate(r, from_attributes=True) for r in areas],
    )
