"""Household and person endpoints: thin, one-line docstrings (they become the OpenAPI summaries)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.common import ledgers
from services.common.audit.requests import record_denial
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.concurrency import VERSION_ETAG, IfMatch, send_version
from services.common.database import ReadSessionDep, SessionDep
from services.common.errors import Forbidden, NotFound, ServiceUnavailable
from services.common.guards import requires
from services.common.openapi import NEVER_CONFLICTS, conflict_with_current
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import WithinQuery
from services.common.text import CleanText, IsoDate
from services.registry.codes import Health, HouseholdCategory, Programme
from services.registry.disclosures import DisclosureGate
from services.registry.households.batch import HouseholdIntake, create_households
from services.registry.households.history import HistoryPage, read_history
from services.registry.households.ledger import household_ledger
from services.registry.households.person_service import PersonService
from services.registry.households.repository import HouseholdFilters, PersonFilters
from services.registry.households.schemas import (
    ID_DESCRIPTION,
    BatchResult,
    HouseholdBatch,
    HouseholdCreate,
    HouseholdDelete,
    HouseholdMove,
    HouseholdRead,
    HouseholdSummary,
    HouseholdUpdate,
    PersonCreate,
    PersonMove,
    PersonRead,
    PersonUpdate,
)
from services.registry.households.service import HouseholdService
from services.registry.households.views import Presenter, check_reveal
from services.registry.national_id import IdVault

router = APIRouter(prefix="/api/v1", tags=["households"])

Reader = Annotated[Principal, requires(Permission.households_read)]
Writer = Annotated[Principal, requires(Permission.households_write)]
Reveal = Annotated[
    bool,
    Query(description="Show full ID numbers (needs national_ids:read; every such read is audited)"),
]


def id_vault(request: Request) -> IdVault:
    vault: IdVault | None = getattr(request.app.state, "id_vault", None)
    if vault is None:
        raise ServiceUnavailable("The national ID key is not configured", code="national_id_key_missing")
    return vault


Vault = Annotated[IdVault, Depends(id_vault)]


class Count(BaseModel):
    count: int = Field(description="How many match the filters")


class NationalIdLookup(BaseModel):
    national_id: str = Field(min_length=1, max_length=32, description=ID_DESCRIPTION)


def household_filters(
    within: WithinQuery,
    number: Annotated[
        str | None, Query(pattern=r"^[0-9A-Za-z-]{1,32}$", description="Exact household number")
    ] = None,
    category: HouseholdCategory | None = None,
    programme: Annotated[
        Programme | None, Query(description="Holds this programme (today, or as_of)")
    ] = None,
    cadre_id: Annotated[uuid.UUID | None, Query(description="Currently paired with this cadre")] = None,
    as_of: Annotated[IsoDate | None, Query(description="Date for the programme filter")] = None,
    include_deleted: bool = False,
) -> HouseholdFilters:
    return HouseholdFilters(
        within=within,
        number=number,
        category=category.value if category else None,
        programme=programme.value if programme else None,
        cadre_id=cadre_id,
        as_of=as_of,
        include_deleted=include_deleted,
    )


def person_filters(
    within: WithinQuery,
    name: Annotated[
        CleanText | None, Query(min_length=1, max_length=50, description="Name starts with")
    ] = None,
    household_id: uuid.UUID | None = None,
    health: Health | None = None,
    programme: Programme | None = None,
    include_deceased: bool = True,
    include_deleted: bool = False,
) -> PersonFilters:
    return PersonFilters(
        within=within,
        name=name,
        household_id=household_id,
        health=health.value if health else None,
        programme=programme.value if programme else None,
        include_deceased=include_deceased,
        include_deleted=include_deleted,
    )


HouseholdQuery = Annotated[HouseholdFilters, Depends(household_filters)]
PersonQuery = Annotated[PersonFilters, Depends(person_filters)]
CREATED_OR_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same request was already applied (a retry)"}
}
DISCLOSURE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "`disclosure_rate_limited`: past your limit of answers saying that an ID number or "
        "household number is registered outside your area; nothing is registered until `Retry-After`"
    }
}


@router.post(
    "/households",
    response_model=HouseholdRead,
    status_code=201,
    responses=CREATED_OR_REPLAYED | DISCLOSURE_LIMITED,
)
async def create_household(
    body: HouseholdCreate,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    response: Response,
    request: Request,
) -> HouseholdRead:
    """Register a household with its members; retrying with the same `id` returns the first result."""
    intake = HouseholdIntake(session, vault)
    gate = DisclosureGate.of(request, principal)
    await gate.check()
    async with gate.answering(session):
        item = (await intake.answer_items([body], principal))[0]
    answer_single(item, response)  # 200 for a retry; 409 for the id of another request
    assert item.id is not None
    household = await intake.registered(item.id)
    if not principal.covers(household.area_code):
        # A retry of a registration since moved out of your area: it is stored, but where it went is
        # not yours to see (as a read of it answers).
        raise NotFound(f"No household {item.id} in your area", code="household_not_found")
    return await intake.service.present(household, Presenter(session, vault, principal, False))


@router.post("/households/batch", response_model=BatchResult, responses=DISCLOSURE_LIMITED)
async def create_households_batch(
    body: HouseholdBatch, principal: Writer, session: SessionDep, vault: Vault, request: Request
) -> BatchResult:
    """Register up to 500 households at once; each item answers created, duplicate, conflict or invalid."""
    gate = DisclosureGate.of(request, principal)
    await gate.check()
    return await create_households(session, vault, body, principal, gate)


@router.get("/households", response_model=Page[HouseholdSummary])
async def list_households(
    principal: Reader,
    session: ReadSessionDep,
    vault: Vault,
    filters: HouseholdQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[HouseholdSummary]:
    """Search households in your area by village/town prefix, number, category, programme or cadre."""
    return await HouseholdService(session, vault).search(principal, filters, limit=limit, cursor=cursor)


@router.get("/households/count", response_model=Count)
async def count_households(
    principal: Reader, session: ReadSessionDep, vault: Vault, filters: HouseholdQuery
) -> Count:
    """Count the households a search would return."""
    return Count(count=await HouseholdService(session, vault).count(principal, filters))


@router.get("/households/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_households(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    format: ledgers.FormatQuery = "xlsx",
    reveal: Reveal = False,
) -> Response:
    """The household ledger (户籍台账): one row per person with the household's columns, streamed."""
    try:
        check_reveal(principal, reveal)
    except Forbidden as exc:
        await record_denial(request, exc)
        raise
    vault = id_vault(request) if reveal else None
    return await household_ledger(request, session, principal, within, format, vault)


@router.get("/households/{household_id:uuid}", response_model=HouseholdRead, responses=VERSION_ETAG)
async def get_household(
    household_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    vault: Vault,
    response: Response,
    reveal: Reveal = False,
) -> HouseholdRead:
    """Read a household with its members; ID numbers masked unless `reveal` (audited)."""
    household = await HouseholdService(session, vault).read(household_id, principal, reveal)
    send_version(response, household.version)
    return household


@router.patch(
    "/households/{household_id:uuid}",
    response_model=HouseholdRead,
    responses=conflict_with_current(HouseholdRead),
)
async def update_household(
    household_id: uuid.UUID,
    body: HouseholdUpdate,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    if_match: IfMatch = None,
) -> HouseholdRead:
    """Change a household; a stale version is refused with 409 and the current state."""
    service = HouseholdService(session, vault)
    household = await service.update(household_id, body, principal, if_match)
    return await service.present(household, Presenter(session, vault, principal, False))


@router.post(
    "/households/{household_id:uuid}/move",
    response_model=HouseholdRead,
    responses=conflict_with_current(HouseholdRead),
)
async def move_household(
    household_id: uuid.UUID,
    body: HouseholdMove,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    if_match: IfMatch = None,
) -> HouseholdRead:
    """Move a household (and its members) to another village in your area."""
    service = HouseholdService(session, vault)
    household = await service.move(household_id, body, principal, if_match)
    return await service.present(household, Presenter(session, vault, principal, False))


@router.post(
    "/households/{household_id:uuid}/delete",
    response_model=HouseholdSummary,
    responses=conflict_with_current(HouseholdRead),
)
async def delete_household(
    household_id: uuid.UUID,
    body: HouseholdDelete,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    if_match: IfMatch = None,
) -> HouseholdSummary:
    """Delete a household registered by mistake, with a reason (kept on record, gone from lists)."""
    from services.registry.households.views import summary

    return summary(await HouseholdService(session, vault).delete(household_id, body, principal, if_match))


@router.get("/households/{household_id:uuid}/history", response_model=HistoryPage)
async def household_history(
    household_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    vault: Vault,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> HistoryPage:
    """Every change to a household and its members: who, when, old → new."""
    household = await HouseholdService(session, vault).get(household_id, principal)
    return await read_history(session, household, limit=limit, cursor=cursor)


@router.post(
    "/households/{household_id:uuid}/members",
    response_model=PersonRead,
    status_code=201,
    responses=CREATED_OR_REPLAYED | DISCLOSURE_LIMITED,
)
async def add_member(
    household_id: uuid.UUID,
    body: PersonCreate,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    response: Response,
    request: Request,
) -> PersonRead:
    """Register a person in a household; an ID number held by a living person is refused (409)."""
    gate = DisclosureGate.of(request, principal)
    await gate.check()
    async with gate.answering(session):
        person, created = await PersonService(session, vault).create(household_id, body, principal)
    if not created:
        response.status_code = status.HTTP_200_OK
    return Presenter(session, vault, principal, False).person(person)


@router.get("/people", response_model=Page[PersonRead])
async def list_people(
    principal: Reader,
    session: ReadSessionDep,
    vault: Vault,
    filters: PersonQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
    reveal: Reveal = False,
) -> Page[PersonRead]:
    """Search people in your area by name, area prefix, household, health or programme."""
    presenter = Presenter(session, vault, principal, reveal)
    return await PersonService(session, vault).search(
        principal, filters, presenter, limit=limit, cursor=cursor
    )


@router.get("/people/count", response_model=Count)
async def count_people(
    principal: Reader, session: ReadSessionDep, vault: Vault, filters: PersonQuery
) -> Count:
    """Count the people a search would return."""
    return Count(count=await PersonService(session, vault).repository.count(principal.scope_prefix, filters))


@router.post("/people/lookup", response_model=Page[PersonRead], openapi_extra=NEVER_CONFLICTS)
async def lookup_person(
    body: NationalIdLookup, principal: Reader, session: SessionDep, vault: Vault, reveal: Reveal = False
) -> Page[PersonRead]:
    """Find people by exact ID number (sent in the body, so it stays out of URLs and logs)."""
    service = PersonService(session, vault)
    filters = PersonFilters(national_id_index=service.index_of(body.national_id))
    presenter = Presenter(session, vault, principal, reveal)
    return await service.search(principal, filters, presenter, limit=50, cursor=None)


@router.get("/people/{person_id:uuid}", response_model=PersonRead, responses=VERSION_ETAG)
async def get_person(
    person_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    vault: Vault,
    response: Response,
    reveal: Reveal = False,
) -> PersonRead:
    """Read a person; the ID number is masked unless `reveal` (audited)."""
    person = await PersonService(session, vault).get(person_id, principal)
    send_version(response, person.version)
    return Presenter(session, vault, principal, reveal).person(person)


@router.patch(
    "/people/{person_id:uuid}",
    response_model=PersonRead,
    responses=DISCLOSURE_LIMITED | conflict_with_current(PersonRead),
)
async def update_person(
    person_id: uuid.UUID,
    body: PersonUpdate,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    request: Request,
    if_match: IfMatch = None,
) -> PersonRead:
    """Change a person (health, schooling, death …); a stale version is refused with 409."""
    gate = DisclosureGate.of(request, principal)
    if body.national_id is not None:  # only a new ID number can meet one registered elsewhere
        await gate.check()
    async with gate.answering(session):
        person = await PersonService(session, vault).update(person_id, body, principal, if_match)
    return Presenter(session, vault, principal, False).person(person)


@router.post(
    "/people/{person_id:uuid}/move", response_model=PersonRead, responses=conflict_with_current(PersonRead)
)
async def move_person(
    person_id: uuid.UUID,
    body: PersonMove,
    principal: Writer,
    session: SessionDep,
    vault: Vault,
    if_match: IfMatch = None,
) -> PersonRead:
    """Move a person to another household (marriage, a household splitting)."""
    person = await PersonService(session, vault).move(person_id, body, principal, if_match)
    return Presenter(session, vault, principal, False).person(person)


@router.post(
    "/people/{person_id:uuid}/delete", response_model=PersonRead, responses=conflict_with_current(PersonRead)
)
async def delete_person(
    person_id: uuid.UUID, principal: Writer, session: SessionDep, vault: Vault, if_match: IfMatch = None
) -> PersonRead:
    """Delete a person registered by mistake (kept on record, gone from lists); needs If-Match."""
    person = await PersonService(session, vault).delete(person_id, principal, if_match)
    return Presenter(session, vault, principal, False).person(person)


@router.get("/people/{person_id:uuid}/history", response_model=HistoryPage)
async def person_history(
    person_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    vault: Vault,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> HistoryPage:
    """Every change to a person: who, when, old → new."""
    person = await PersonService(session, vault).get(person_id, principal)
    return await read_history(session, person, limit=limit, cursor=cursor)
