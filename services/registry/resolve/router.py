"""Which household a national ID number belongs to, for another service acting on a partner's behalf.

Internal: the gateway does not route /internal paths, so only a service holding the caller's token
(made by the gateway for both services) reaches it, and the caller's own scope applies. It answers
ids and area codes only, never names or numbers.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import in_scope
from services.registry.households.router import Vault
from services.registry.models import Person
from services.registry.national_id import NationalIdError, parse

router = APIRouter(prefix="/internal/v1", include_in_schema=False)

Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]


class ResolveRequest(BaseModel):
    national_ids: list[str] = Field(min_length=1, max_length=1000)


class Resolved(BaseModel):
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str


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
        select(Person.national_id_index, Person.id, Person.household_id, Person.area_code).where(
            Person.national_id_index.in_(wanted),  # type: ignore[attr-defined]
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            Person.deceased_on.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, principal.scope_prefix),
        )
    )
    found = {
        r.national_id_index: Resolved(person_id=r.id, household_id=r.household_id, area_code=r.area_code)
        for r in rows
    }
    return ResolveResult(matches=[found.get(i) if i is not None else None for i in indexes])
