"""SQL of cadres and pairings; reads are scoped by area code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import Cadre, CadreAssignment


class CadreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, cadre_id: uuid.UUID, scope_prefix: str) -> Cadre | None:
        query = select(Cadre).where(Cadre.id == cadre_id, in_scope(col(Cadre.area_code), scope_prefix))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, cadre_id: uuid.UUID) -> Cadre | None:
        return await self.session.get(Cadre, cadre_id)

    async def list(
        self,
        scope_prefix: str,
        *,
        within: str | None,
        name: str | None,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Cadre]:
        query = select(Cadre).where(in_scope(col(Cadre.area_code), scope_prefix))
        if within:
            query = query.where(in_scope(col(Cadre.area_code), within))
        if name:
            query = query.where(col(Cadre.name).startswith(name, autoescape=True))
        if after:
            query = query.where(tuple_(col(Cadre.name), col(Cadre.id)) > tuple_(*after))  # row comparison
        return (
            (await self.session.execute(query.order_by(Cadre.name, col(Cadre.id)).limit(limit)))
            .scalars()
            .all()
        )

    async def current_assignment(
        self, cadre_id: uuid.UUID, household_id: uuid.UUID
    ) -> CadreAssignment | None:
        query = select(CadreAssignment).where(
            CadreAssignment.cadre_id == cadre_id,
            CadreAssignment.household_id == household_id,
            col(CadreAssignment.ends_on).is_(None),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def assignment_any(self, assignment_id: uuid.UUID) -> CadreAssignment | None:
        """Unscoped, for retries (services.common.retries.ExactCreate); never returned as such."""
        return await self.session.get(CadreAssignment, assignment_id)

    async def assignment(self, assignment_id: uuid.UUID, scope_prefix: str) -> CadreAssignment | None:
        query = (
            select(CadreAssignment)
            .where(
                CadreAssignment.id == assignment_id, in_scope(col(CadreAssignment.area_code), scope_prefix)
            )
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_household(self, household_id: uuid.UUID) -> Sequence[tuple[CadreAssignment, Cadre]]:
        query = (
            select(CadreAssignment, Cadre)
            .join(Cadre, col(Cadre.id) == CadreAssignment.cadre_id)
            .where(CadreAssignment.household_id == household_id)
            .order_by(col(CadreAssignment.ends_on).is_not(None), col(CadreAssignment.starts_on).desc())
        )
        return [(a, c) for a, c in (await self.session.execute(query)).all()]
