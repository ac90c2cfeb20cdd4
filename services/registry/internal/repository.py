"""The queries behind the internal lookups (``internal.router``): every one keeps to the caller's scope,
and reads ids, codes, household numbers and the names of cadres and villages only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Row, Select, String, bindparam, func, text

# Labelled and variable columns: sqlmodel's select has no overload for them, and mypy reads a label of
# col() as Label[Never], so the queries with one say their row type.
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.registry.models import (
    Area,
    Cadre,
    CadreAssignment,
    Household,
    HouseholdMove,
    Person,
    ProgrammeMembership,
)


def _facts(*extra: Any) -> Select[Any]:
    """A person's household, village, household category and whether they are alive."""
    return select_columns(
        *extra,
        col(Person.id).label("person_id"),
        col(Person.household_id),
        col(Person.area_code),
        col(Household.category).label("household_category"),
        col(Household.registered_on),
        col(Person.deceased_on).is_(None).label("alive"),
    ).join(Household, col(Household.id) == col(Person.household_id))


def _paired_now() -> ColumnElement[bool]:
    return (col(CadreAssignment.ends_on).is_(None)) | (col(CadreAssignment.ends_on) >= func.current_date())


SUCCESSORS_SQL = """
WITH RECURSIVE chain(code, successor, depth) AS (
    SELECT code, merged_into_code, 1 FROM registry.areas
     WHERE code = ANY(CAST(:codes AS text[])) AND merged_into_code IS NOT NULL
    UNION ALL
    SELECT chain.code, a.merged_into_code, chain.depth + 1
      FROM chain JOIN registry.areas a ON a.code = chain.successor
     WHERE a.merged_into_code IS NOT NULL AND chain.depth < 20
)
SELECT code, successor FROM (
    SELECT DISTINCT ON (code) code, successor FROM chain ORDER BY code, depth DESC
) last WHERE successor LIKE :pattern
"""


# A household's category on :on from its periods: 监测户 over 脱贫户 over 一般农户 (as the registry's
# category follows the cases, programmes.monitored). Only households registered by then, not deleted.
ROSTER_SQL = """
SELECT household_id, area_code, category FROM (
    SELECT h.id AS household_id, h.area_code,
           CASE WHEN EXISTS (SELECT 1 FROM registry.programme_memberships m
                             WHERE m.household_id = h.id AND m.person_id IS NULL AND m.programme = 'monitored'
                               AND m.starts_on <= :on AND (m.ends_on IS NULL OR m.ends_on >= :on))
                THEN 'monitored'
                WHEN EXISTS (SELECT 1 FROM registry.programme_memberships m
                             WHERE m.household_id = h.id AND m.person_id IS NULL AND m.programme = 'escaped'
                               AND m.starts_on <= :on AND (m.ends_on IS NULL OR m.ends_on >= :on))
                THEN 'escaped' ELSE 'ordinary' END AS category
    FROM registry.households AS h
    WHERE h.deleted_at IS NULL AND h.area_code LIKE :scope AND h.area_code LIKE :within
      AND h.registered_on <= :on AND h.id > :after
      AND (CAST(:ids AS uuid[]) IS NULL OR h.id = ANY(CAST(:ids AS uuid[])))
) AS r
WHERE CAST(:categories AS text[]) IS NULL OR r.category = ANY(CAST(:categories AS text[]))
ORDER BY household_id LIMIT :limit
"""


class InternalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def living_by_index(self, indexes: list[bytes], scope: str) -> Sequence[Row[Any]]:
        """The living people of these ID number blind indexes, with their ``national_id_index``."""
        query = _facts(Person.national_id_index).where(
            col(Person.national_id_index).in_(indexes),
            col(Person.deleted_at).is_(None),
            col(Person.deceased_on).is_(None),
            in_scope(col(Person.area_code), scope),
        )
        return (await self.session.execute(query)).all()

    async def people(self, person_ids: list[uuid.UUID], scope: str) -> Sequence[Row[Any]]:
        query = _facts().where(
            col(Person.id).in_(person_ids),
            col(Person.deleted_at).is_(None),
            in_scope(col(Person.area_code), scope),
        )
        return (await self.session.execute(query)).all()

    async def category_periods(
        self, household_ids: list[uuid.UUID]
    ) -> Sequence[Row[Any, Any, Any, Any, Any]]:
        """The 脱贫户 and 监测户 periods of households already found in the caller's scope."""
        query: Select[Any, Any, Any, Any, Any] = select_columns(
            col(ProgrammeMembership.household_id),
            col(ProgrammeMembership.programme).label("category"),
            col(ProgrammeMembership.starts_on),
            col(ProgrammeMembership.ends_on),
            col(ProgrammeMembership.monitoring_type),
        ).where(
            col(ProgrammeMembership.household_id) == func.any(uuid_array(household_ids)),
            col(ProgrammeMembership.person_id).is_(None),
            col(ProgrammeMembership.programme).in_(("escaped", "monitored")),
        )
        return (await self.session.execute(query.order_by(col(ProgrammeMembership.starts_on)))).all()

    async def household_places(
        self, household_ids: list[uuid.UUID], scope: str
    ) -> Sequence[Row[uuid.UUID, str, date]]:
        query: Select[uuid.UUID, str, date] = select_columns(
            col(Household.id).label("household_id"), col(Household.area_code), col(Household.registered_on)
        ).where(
            col(Household.id) == func.any(uuid_array(household_ids)),
            col(Household.deleted_at).is_(None),
            in_scope(col(Household.area_code), scope),
        )
        return (await self.session.execute(query)).all()

    async def households_gone(
        self, household_ids: list[uuid.UUID], scope: str
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Of households not live in scope: those deleted while in it, and those that moved out of it
        (once in it by a recorded move; where they went is not said)."""
        here = in_scope(col(Household.area_code), scope)
        moved_from_here = (
            select(HouseholdMove.id)
            .where(
                HouseholdMove.household_id == Household.id, in_scope(col(HouseholdMove.from_area_code), scope)
            )
            .exists()
        )
        query = select(Household.id, here.label("here"), col(Household.deleted_at).is_not(None)).where(
            col(Household.id) == func.any(uuid_array(household_ids)),
            (here & col(Household.deleted_at).is_not(None)) | (~here & moved_from_here),
        )
        deleted: list[uuid.UUID] = []
        moved: list[uuid.UUID] = []
        for household_id, is_here, _ in (await self.session.execute(query)).all():
            (deleted if is_here else moved).append(household_id)
        return deleted, moved

    async def successors(self, codes: list[str], scope: str) -> dict[str, str]:
        """Merged-away villages among ``codes`` whose last successor (merges can chain) is in scope."""
        rows = await self.session.execute(
            text(SUCCESSORS_SQL),
            {"codes": codes, "pattern": scope + "%"},  # scope prefixes are digits only
        )
        return {row.code: row.successor for row in rows}

    async def person_places(
        self, person_ids: list[uuid.UUID], scope: str
    ) -> Sequence[Row[uuid.UUID, uuid.UUID]]:
        query: Select[uuid.UUID, uuid.UUID] = select_columns(
            col(Person.id).label("person_id"), col(Person.household_id)
        ).where(
            col(Person.id) == func.any(uuid_array(person_ids)),
            col(Person.deleted_at).is_(None),
            in_scope(col(Person.area_code), scope),
        )
        return (await self.session.execute(query)).all()

    async def cadres_in_reach(self, cadre_ids: list[uuid.UUID], scope: str) -> Sequence[Row[uuid.UUID, str]]:
        """Of these cadres, those of the scope or paired now with a household in it: id, area_code."""
        paired_in_scope = select(CadreAssignment.id).where(
            CadreAssignment.cadre_id == Cadre.id,
            in_scope(col(CadreAssignment.area_code), scope),
            _paired_now(),
        )
        query = select(Cadre.id, Cadre.area_code).where(
            col(Cadre.id) == func.any(uuid_array(cadre_ids)),
            in_scope(col(Cadre.area_code), scope) | paired_in_scope.exists(),
        )
        return (await self.session.execute(query)).all()

    async def pairings_now(
        self, cadre_ids: list[uuid.UUID], household_ids: list[uuid.UUID], scope: str
    ) -> Sequence[Row[uuid.UUID, uuid.UUID]]:
        """Which of these cadres is paired now with which of these households: cadre_id, household_id."""
        query = select(CadreAssignment.cadre_id, CadreAssignment.household_id).where(
            col(CadreAssignment.cadre_id) == func.any(uuid_array(cadre_ids)),
            col(CadreAssignment.household_id) == func.any(uuid_array(household_ids)),
            in_scope(col(CadreAssignment.area_code), scope),
            _paired_now(),
        )
        return (await self.session.execute(query)).all()

    async def household_numbers(
        self, household_ids: list[uuid.UUID], scope: str
    ) -> Sequence[Row[uuid.UUID, str]]:
        query: Select[uuid.UUID, str] = select_columns(
            col(Household.id).label("household_id"), col(Household.number)
        ).where(
            col(Household.id) == func.any(uuid_array(household_ids)),
            col(Household.deleted_at).is_(None),
            in_scope(col(Household.area_code), scope),
        )
        return (await self.session.execute(query)).all()

    async def cadre_names(self, cadre_ids: list[uuid.UUID], scope: str) -> Sequence[Row[uuid.UUID, str]]:
        """Of these cadres, those of the scope or ever paired with a household in it: cadre_id, name."""
        paired = select(CadreAssignment.id).where(
            CadreAssignment.cadre_id == Cadre.id, in_scope(col(CadreAssignment.area_code), scope)
        )
        query: Select[uuid.UUID, str] = select_columns(
            col(Cadre.id).label("cadre_id"), col(Cadre.name)
        ).where(
            col(Cadre.id) == func.any(uuid_array(cadre_ids)),
            in_scope(col(Cadre.area_code), scope) | paired.exists(),
        )
        return (await self.session.execute(query)).all()

    async def area_names(self, codes: list[str], scope: str) -> Sequence[Row[str, str]]:
        query = select(Area.code, Area.name).where(
            col(Area.code) == func.any(bindparam("areas", codes, type_=ARRAY(String))),
            in_scope(col(Area.code), scope),
        )
        return (await self.session.execute(query)).all()

    async def roster(
        self,
        scope: str,
        within: str,
        on: date,
        categories: list[str] | None,
        household_ids: list[uuid.UUID] | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """Households of the area on a day with their category then: household_id, area_code, category."""
        params = {
            "scope": scope + "%",  # scope prefixes are digits only
            "within": within + "%",
            "on": on,
            "categories": categories,
            "ids": list(household_ids) if household_ids is not None else None,
            "after": after or uuid.UUID(int=0),
            "limit": limit,
        }
        return (await self.session.execute(text(ROSTER_SQL), params)).all()
