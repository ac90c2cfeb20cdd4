"""Rectification items' SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.oversight.tasks.models import Milestone, ProgressReport, Rectification, Step


def overdue_on(day: date) -> ColumnElement[bool]:
    """Received by ``day``, past its deadline then, and not closed by then (an item closed later was
    still overdue on that day)."""
    return and_(
        col(Rectification.received_on) <= day,
        col(Rectification.deadline) < day,
        or_(col(Rectification.closed_on).is_(None), col(Rectification.closed_on) > day),
    )


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_item(self, values: dict[str, Any], milestones: list[dict[str, Any]]) -> bool:
        """False when the id is taken (a retry, or a race's loser, who waits here for the winner)."""
        table = table_of(Rectification)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        if inserted.scalar_one_or_none() is None:
            return False
        if milestones:
            await self.session.execute(insert(table_of(Milestone)).values(milestones))
        return True

    async def item_anywhere(self, item_id: uuid.UUID) -> Rectification | None:
        """For a retry's check only."""
        return await self.session.get(Rectification, item_id, populate_existing=True)

    async def item(
        self, item_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> Rectification | None:
        query = select(Rectification).where(
            col(Rectification.id) == item_id, in_scope(col(Rectification.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def items(
        self,
        scope_prefix: str,
        within: str,
        *,
        state: str | None,
        source: str | None,
        overdue_as_of: date | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Rectification]:
        query = select(Rectification).where(
            in_scope(col(Rectification.area_code), scope_prefix),
            in_scope(col(Rectification.area_code), within),
        )
        if state is not None:
            query = query.where(col(Rectification.state) == state)
        if source is not None:
            query = query.where(col(Rectification.source) == source)
        if overdue_as_of is not None:
            query = query.where(overdue_on(overdue_as_of))
        if after is not None:
            query = query.where(col(Rectification.id) > after)
        order = query.order_by(col(Rectification.id)).limit(limit)
        return (await self.session.execute(order)).scalars().all()

    async def overdue_groups(self, area_prefix: str, day: date) -> list[Any]:
        """Items overdue on ``day`` per area and owner (unit and person)."""
        r = table_of(Rectification).c
        query = (
            select(
                r.area_code,
                r.unit_name,
                r.person_name,
                func.count().label("items"),
                func.max(day - r.deadline).label("days_overdue_max"),
            )
            .where(in_scope(r.area_code, area_prefix), overdue_on(day))
            .group_by(r.area_code, r.unit_name, r.person_name)
            .order_by(r.area_code, r.unit_name, r.person_name)
        )
        return list((await self.session.execute(query)).all())

    async def milestones(self, item_id: uuid.UUID) -> Sequence[Milestone]:
        query = select(Milestone).where(col(Milestone.item_id) == item_id).order_by(col(Milestone.position))
        return (await self.session.execute(query.execution_options(populate_existing=True))).scalars().all()

    async def reports(self, item_id: uuid.UUID) -> Sequence[ProgressReport]:
        query = (
            select(ProgressReport)
            .where(col(ProgressReport.item_id) == item_id)
            .order_by(col(ProgressReport.reported_on), col(ProgressReport.created_at))
        )
        return (await self.session.execute(query)).scalars().all()

    async def steps(self, item_id: uuid.UUID) -> Sequence[Step]:
        query = select(Step).where(col(Step.item_id) == item_id).order_by(col(Step.id))
        return (await self.session.execute(query)).scalars().all()

    async def insert_report(self, values: dict[str, Any]) -> bool:
        table = table_of(ProgressReport)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def report_anywhere(self, report_id: uuid.UUID) -> ProgressReport | None:
        return await self.session.get(ProgressReport, report_id)

    async def complete_milestone(self, item_id: uuid.UUID, position: int, on: date) -> bool:
        """Mark the milestone done (the first report completing it dates it); False: no such milestone."""
        table = table_of(Milestone)
        found = await self.session.execute(
            update(table)
            .where(table.c.item_id == item_id, table.c.position == position)
            .values(done_on=func.coalesce(table.c.done_on, on))
            .returning(table.c.position)
        )
        return found.scalar_one_or_none() is not None

    async def record_step(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(table_of(Step)).values(**values))
