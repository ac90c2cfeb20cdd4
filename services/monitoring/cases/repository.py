"""SQL of cases, their events and the alerts that joined them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.monitoring.cases.workflow import OPEN_STATES, UNDECIDED_STATES, CaseState
from services.monitoring.models import Alert, Case, CaseEvent


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Case | None:
        query = select(Case).where(Case.id == case_id, in_scope(col(Case.area_code), scope_prefix))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_case_of(self, household_id: uuid.UUID, *, lock: bool = False) -> Case | None:
        query = select(Case).where(
            Case.household_id == household_id,
            col(Case.state).in_([s.value for s in OPEN_STATES]),
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def enrolled_among(self, household_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        if not household_ids:
            return []
        query = select(Case.household_id).where(
            col(Case.household_id).in_(household_ids),
            Case.state == CaseState.enrolled.value,
        )
        return sorted((await self.session.execute(query)).scalars())

    async def alerts(self, ids: Sequence[uuid.UUID], scope_prefix: str) -> Sequence[Alert]:
        query = (
            select(Alert)
            .where(col(Alert.id).in_(ids), in_scope(col(Alert.area_code), scope_prefix))
            .order_by(col(Alert.id))
            .with_for_update()
        )
        return (await self.session.execute(query)).scalars().all()

    async def alert_ids_of(self, case_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(Alert.id).where(Alert.case_id == case_id).order_by(col(Alert.id))
        )
        return list(rows.scalars())

    async def events(self, case_id: uuid.UUID) -> Sequence[CaseEvent]:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
        return (await self.session.execute(query.limit(1000))).scalars().all()

    async def list(
        self,
        scope_prefix: str,
        *,
        state: str | None,
        household_id: uuid.UUID | None,
        within: str | None,
        overdue_on: date | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Case]:
        query = select(Case).where(in_scope(col(Case.area_code), scope_prefix))
        if state is not None:
            query = query.where(Case.state == state)
        if household_id is not None:
            query = query.where(Case.household_id == household_id)
        if within:
            query = query.where(in_scope(col(Case.area_code), within))
        if overdue_on is not None:
            query = query.where(*overdue_on_day(overdue_on))
        if after is not None:
            query = query.where(Case.id > after)
        return (await self.session.execute(query.order_by(col(Case.id)).limit(limit))).scalars().all()


def overdue_on_day(day: date) -> tuple[Any, ...]:
    """Past the time limit on ``day`` and still undecided."""
    undecided = col(Case.decided_at).is_(None)
    return (undecided, *past_limit(Case.state, Case.decision_due_on, day))


def past_limit(state: Any, due_on: Any, day: date) -> tuple[Any, ...]:
    """Past the time limit on ``day`` for a case in ``state`` then (its state now, or as it stood on
    ``day``): not yet decided, and its decision date gone by."""
    return (state.in_([s.value for s in UNDECIDED_STATES]), due_on < day)
