"""The queries behind the internal lookups (``internal.router``): every one keeps to the caller's scope,
and reads ids, codes, household numbers and the names of cadres and villages only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Row, Select, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.registry.models import Area, Cadre, CadreAssignment, Household, Person


def _facts(*extra: Any) -> Select[Any]:
    """A person's household, village, household category and whether they are alive."""
    return select(
        *extra,
        Person.id.label("person_id"),  # type: ignore[attr-defined]
        Person.household_id,
        Person.area_code,
        Household.category.label("household_category"),  # type: ignore[attr-defined]
        Person.deceased_on.is_(None).label("alive"),  # type: ignore[union-attr]
    ).join(Household, Household.id == Person.household_id)


def _paired_now() -> ColumnElement[bool]:
    return (CadreAssignment.ends_on.is_(None)) | (CadreAssignment.ends_on >= func.current_date())  # type: ignore[union-attr]


class InternalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def living_by_index(self, indexes: list[bytes], scope: str) -> Sequence[Row[Any]]:
        """The living people of these ID number blind indexes, with their ``national_id_index``."""
        query = _facts(Person.national_id_index).where(
            Person.national_id_index.in_(indexes),  # type: ignore[attr-defined]
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            Person.deceased_on.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, scope),
        )
        return (await self.session.execute(query)).all()

    async def people(self, person_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        query = _facts().where(
            Person.id.in_(person_ids),  # type: ignore[attr-defined]
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, scope),
        )
        return (await self.session.execute(query)).all()

    async def household_places(self, household_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        query = select(Household.id.label("household_id"), Household.area_code).where(  # type: ignore[attr-defined]
            Household.id == func.any(uuid_array(household_ids)),
            Household.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Household.area_code, scope),
        )
        return (await self.session.execute(query)).all()

    async def person_places(self, person_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        query = select(Person.id.label("person_id"), Person.household_id).where(  # type: ignore[attr-defined]
            Person.id == func.any(uuid_array(person_ids)),
            Person.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Person.area_code, scope),
        )
        return (await self.session.execute(query)).all()

    async def cadres_in_reach(self, cadre_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        """Of these cadres, those of the scope or paired now with a household in it: id, area_code."""
        paired_in_scope = select(CadreAssignment.id).where(
            CadreAssignment.cadre_id == Cadre.id, in_scope(CadreAssignment.area_code, scope), _paired_now()
        )
        query = select(Cadre.id, Cadre.area_code).where(
            Cadre.id == func.any(uuid_array(cadre_ids)),
            in_scope(Cadre.area_code, scope) | paired_in_scope.exists(),
        )
        return (await self.session.execute(query)).all()

    async def pairings_now(
        self, cadre_ids: list[uuid.UUID], household_ids: list[uuid.UUID], scope: str
    ) -> Sequence[Row[Any]]:
        """Which of these cadres is paired now with which of these households: cadre_id, household_id."""
        query = select(CadreAssignment.cadre_id, CadreAssignment.household_id).where(
            CadreAssignment.cadre_id == func.any(uuid_array(cadre_ids)),
            CadreAssignment.household_id == func.any(uuid_array(household_ids)),
            in_scope(CadreAssignment.area_code, scope),
            _paired_now(),
        )
        return (await self.session.execute(query)).all()

    async def household_numbers(self, household_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        query = select(Household.id.label("household_id"), Household.number).where(  # type: ignore[attr-defined]
            Household.id == func.any(uuid_array(household_ids)),
            Household.deleted_at.is_(None),  # type: ignore[union-attr]
            in_scope(Household.area_code, scope),
        )
        return (await self.session.execute(query)).all()

    async def cadre_names(self, cadre_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        """Of these cadres, those of the scope or ever paired with a household in it: cadre_id, name."""
        paired = select(CadreAssignment.id).where(
            CadreAssignment.cadre_id == Cadre.id, in_scope(CadreAssignment.area_code, scope)
        )
        query = select(Cadre.id.label("cadre_id"), Cadre.name).where(  # type: ignore[attr-defined]
            Cadre.id == func.any(uuid_array(cadre_ids)),
            in_scope(Cadre.area_code, scope) | paired.exists(),
        )
        return (await self.session.execute(query)).all()

    async def area_names(self, codes: list[str], scope: str) -> Sequence[Row[Any]]:
        query = select(Area.code, Area.name).where(
            Area.code == func.any(bindparam("areas", codes, type_=ARRAY(String))),
            in_scope(Area.code, scope),  # type: ignore[arg-type]
        )
        return (await self.session.execute(query)).all()
