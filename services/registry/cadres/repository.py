"""SQL of cadres and pairings; reads are scoped by area code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.scope import in_scope
from services.registry.models import Cadre, CadreAssignment


class CadreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, cadre_id: uuid.UUID, scope_prefix: str) -> Cadre | None:
        query = select(Cadre).where(Cadre.id == cadre_id, in_scope(Cadre.area_code, scope_prefix))
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
        query = select(Cadre).where(in_scope(Cadre.area_code, scope_prefix))
        if within:
            query = query.where(in_scope(Cadre.area_code, within))
        if name:
            query = query.where(Cadre.name.startswith(name, autoescape=True))  # type: ignore[attr-defined]
        if after:
            query = query.where((Cadre.name, Cadre.id) > after)  # type: ignore[operator]
        return (await self.session.execute(query.order_by(Cadre.name, Cadre.id).limit(limit))).scalars().all()

    async def current_assignment(
        self, cadre_id: uuid.UUID, household_id: uuid.UUID
    ) -> CadreAssignment | None:
        query = select(CadreAssignment).where(
            CadreAssignment.cadre_id == cadre_id,
            CadreAssignment.household_id == household_id,
            CadreAssignment.ends_on.is_(None),  # type: ignore[union-attr]
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def assignment(self, assignment_id: uuid.UUID, scope_prefix: str) -> CadreAssignment | None:
        query = (
            select(CadreAssignment)
            .where(CadreAssignment.id == assignment_id, in_scope(CadreAssignment.area_code, scope_prefix))
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_household(self, household_id: uuid.UUID) -> Sequence[tuple[CadreAssignment, Cadre]]:
        query = (
            select(CadreAssignment, Cadre)
            .join(Cadre, Cadre.id == CadreAssignment.cadre_id)  # type: ignore[arg-type]
            .where(CadreAssignment.household_id == household_id)
            .order_by(CadreAssignment.ends_on.is_not(None), CadreAssignment.starts_on.desc())  # type: ignore[union-attr]
        )
        return [(a, c) for a, c in (await self.session.execute(query)).all()]
