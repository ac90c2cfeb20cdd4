"""The projects service's SQL: projects, their steps, fund lines and movements, always in the caller's
area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.models import FundMovement, Project, ProjectFund, ProjectStep


@dataclass(frozen=True)
class ProjectFilters:
    within: str
    year: int | None = None
    sector: str | None = None
    state: str | None = None


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Project | None:
        query = select(Project).where(
            col(Project.id) == project_id, in_scope(col(Project.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_anywhere(self, project_id: uuid.UUID) -> Project | None:
        """For a retry's check only: whether the id is taken, and by what request."""
        return await self.session.get(Project, project_id)

    async def digests(self, project_ids: list[Any]) -> dict[uuid.UUID, tuple[bytes | None, str]]:
        """Each stored project's request digest and area (a batch's retries)."""
        p = Project
        rows = await self.session.execute(
            select(col(p.id), col(p.request_sha256), col(p.area_code)).where(col(p.id).in_(project_ids))
        )
        return {project_id: (digest, area) for project_id, digest, area in rows.all()}

    async def page(
        self, scope_prefix: str, filters: ProjectFilters, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Project]:
        query = select(Project).where(
            in_scope(col(Project.area_code), scope_prefix), in_scope(col(Project.area_code), filters.within)
        )
        if filters.year is not None:
            query = query.where(col(Project.year) == filters.year)
        if filters.sector is not None:
            query = query.where(col(Project.sector) == filters.sector)
        if filters.state is not None:
            query = query.where(col(Project.state) == filters.state)
        if after is not None:
            query = query.where(col(Project.id) > after)
        return (await self.session.execute(query.order_by(col(Project.id)).limit(limit))).scalars().all()

    async def insert(self, values: dict[str, Any], budget: dict[str, int]) -> bool:
        """The project and its fund lines; False when its id is taken (a retry, or a race's loser, who
        waits here for the winner to commit and then sees its row)."""
        inserted = await self.session.execute(
            insert(table_of(Project))
            .values(**values)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(table_of(Project).c.id)
        )
        if inserted.scalar_one_or_none() is None:
            return False
        await self.session.execute(
            insert(table_of(ProjectFund)),
            [{"project_id": values["id"], "source": s, "budget_fen": fen} for s, fen in budget.items()],
        )
        return True

    async def behind_plan(
        self, scope_prefix: str, within: str, day: date, kind: str, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Project]:
        """Projects whose planned start (``start``) or end (``completion``) had passed on ``day`` without
        it happening by then, and not cancelled by then."""
        planned, happened = (
            (col(Project.planned_start_on), col(Project.started_on))
            if kind == "start"
            else (col(Project.planned_end_on), col(Project.completed_on))
        )
        query = select(Project).where(
            in_scope(col(Project.area_code), scope_prefix),
            in_scope(col(Project.area_code), within),
            col(Project.entered_on) <= day,
            planned < day,
            or_(happened.is_(None), happened > day),
            or_(col(Project.cancelled_on).is_(None), col(Project.cancelled_on) > day),
        )
        if kind == "completion":  # a project not yet started is late to start, not to complete
            query = query.where(and_(col(Project.started_on).is_not(None), col(Project.started_on) <= day))
        if after is not None:
            query = query.where(col(Project.id) > after)
        return (await self.session.execute(query.order_by(col(Project.id)).limit(limit))).scalars().all()

    async def funds_of(self, project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProjectFund]]:
        rows = await self.session.execute(
            select(ProjectFund)
            .where(col(ProjectFund.project_id).in_(project_ids))
            .order_by(col(ProjectFund.project_id), col(ProjectFund.source))
        )
        funds: dict[uuid.UUID, list[ProjectFund]] = defaultdict(list)
        for fund in rows.scalars():
            funds[fund.project_id].append(fund)
        return funds

    async def fund_line(
        self, project_id: uuid.UUID, source: str, *, lock: bool = False
    ) -> ProjectFund | None:
        query = select(ProjectFund).where(
            col(ProjectFund.project_id) == project_id, col(ProjectFund.source) == source
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def set_budget(self, project_id: uuid.UUID, budget: dict[str, int]) -> None:
        """New budget lines; a source not yet in the project gets one."""
        await self.session.execute(
            insert(table_of(ProjectFund))
            .values([{"project_id": project_id, "source": s, "budget_fen": fen} for s, fen in budget.items()])
            .on_conflict_do_update(
                index_elements=["project_id", "source"],
                set_={"budget_fen": insert(table_of(ProjectFund)).excluded.budget_fen},
            )
        )

    async def steps_of(self, project_id: uuid.UUID) -> Sequence[ProjectStep]:
        rows = await self.session.execute(
            select(ProjectStep).where(col(ProjectStep.project_id) == project_id).order_by(col(ProjectStep.id))
        )
        return rows.scalars().all()

    async def add_step(self, step: ProjectStep) -> None:
        self.session.add(step)
        await self.session.flush()

    # Money ---------------------------------------------------------------------------------------

    async def movement(self, movement_id: uuid.UUID) -> FundMovement | None:
        return await self.session.get(FundMovement, movement_id)

    async def movement_digests(
        self, movement_ids: list[Any]
    ) -> dict[uuid.UUID, tuple[bytes | None, str, uuid.UUID]]:
        """Each stored movement's request digest, area and project (a batch's retries)."""
        m = FundMovement
        rows = await self.session.execute(
            select(col(m.id), col(m.request_sha256), col(m.area_code), col(m.project_id)).where(
                col(m.id).in_(movement_ids)
            )
        )
        return {movement_id: (digest, area, project) for movement_id, digest, area, project in rows.all()}

    async def insert_movement(self, values: dict[str, Any]) -> bool:
        """False when the id is taken (a retry; a racing copy waits here for the first to commit)."""
        inserted = await self.session.execute(
            insert(table_of(FundMovement))
            .values(**values)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(table_of(FundMovement).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def add_to_line(self, project_id: uuid.UUID, source: str, kind: str, amount_fen: int) -> None:
        """The line's running total of ``kind`` grows; the table's CHECKs refuse an overdraft even if two
        writers raced past the service's own check."""
        column = (
            table_of(ProjectFund).c.received_fen if kind == "received" else table_of(ProjectFund).c.paid_fen
        )
        await self.session.execute(
            update(table_of(ProjectFund))
            .where(table_of(ProjectFund).c.project_id == project_id, table_of(ProjectFund).c.source == source)
            .values({column: column + amount_fen})
        )

    async def movements_of(
        self, project_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[FundMovement]:
        query = select(FundMovement).where(col(FundMovement.project_id) == project_id)
        if after is not None:
            query = query.where(col(FundMovement.id) > after)
        return (await self.session.execute(query.order_by(col(FundMovement.id)).limit(limit))).scalars().all()
