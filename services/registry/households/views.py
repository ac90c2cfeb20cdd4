"""Rows to response bodies: ID numbers stay masked unless the caller asked to see them and may."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.errors import Forbidden
from services.registry.households.schemas import HouseholdRead, HouseholdSummary, PersonRead
from services.registry.models import Household, Person
from services.registry.national_id import IdVault

NATIONAL_ID_READ = "person.national_id.read"  # the audit's action for an ID number shown in full


def check_reveal(principal: Principal, reveal: bool) -> None:
    """Full ID numbers only on request, and only for a role that may see them (else 403)."""
    if reveal and not principal.can(Permission.national_ids_read):
        raise Forbidden(
            f"The {principal.role.value} role may not see full ID numbers "
            f"(needs {Permission.national_ids_read.value})",
            code="permission_denied",
            permission=Permission.national_ids_read.value,
        )


class Presenter:
    """Builds responses for one request; every ID number shown in full is written to the audit log."""

    def __init__(self, session: AsyncSession, vault: IdVault, principal: Principal, reveal: bool) -> None:
        check_reveal(principal, reveal)
        self.session = session
        self.vault = vault
        self.reveal = reveal

    def person(self, person: Person) -> PersonRead:
        if self.reveal:
            number = self.vault.decrypt(person.national_id_cipher)
            audit_trail(self.session).record(
                NATIONAL_ID_READ, "person", str(person.id), area_code=person.area_code
            )
        else:
            number = person.national_id_masked
        return PersonRead(
            **_fields(person, PersonRead, exclude={"national_id", "national_id_masked", "deleted"}),
            national_id=number,
            national_id_masked=not self.reveal,
            deleted=person.deleted_at is not None,
        )

    def people(self, people: Iterable[Person]) -> list[PersonRead]:
        return [self.person(p) for p in people]

    def household(self, household: Household, members: Sequence[Person]) -> HouseholdRead:
        return HouseholdRead(**summary(household).model_dump(), members=self.people(members))


def summary(household: Household) -> HouseholdSummary:
    return HouseholdSummary(
        **_fields(household, HouseholdSummary, exclude={"deleted"}), deleted=household.deleted_at is not None
    )


def _fields(row: object, model: type[BaseModel], exclude: set[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in model.model_fields if name not in exclude}
