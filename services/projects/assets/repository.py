"""The assets' SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.assets.models import Asset, AssetCheck, AssetIncome, AssetNotice, NoticeObjection
from services.projects.models import ProjectFund


class AssetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, asset_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Asset | None:
        query = select(Asset).where(col(Asset.id) == asset_id, in_scope(col(Asset.area_code), scope_prefix))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_anywhere(self, asset_id: uuid.UUID) -> Asset | None:
        """For a retry's check only."""
        return await self.session.get(Asset, asset_id)

    async def of_project(self, project_id: uuid.UUID) -> Asset | None:
        query = select(Asset).where(col(Asset.project_id) == project_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def ids_of_projects(self, project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        rows = await self.session.execute(
            select(col(Asset.project_id), col(Asset.id)).where(col(Asset.project_id).in_(project_ids))
        )
        return {project_id: asset_id for project_id, asset_id in rows.all() if project_id is not None}

    async def paid_on(self, project_id: uuid.UUID) -> int:
        """What was paid out of the project's lines: the value of the asset it forms."""
        total = await self.session.execute(
            select(func.coalesce(func.sum(col(ProjectFund.paid_fen)), 0)).where(
                col(ProjectFund.project_id) == project_id
            )
        )
        return int(total.scalar_one())

    async def insert(self, values: dict[str, Any]) -> bool:
        """False when the id (or the project) is taken: a retry, or a race's loser."""
        inserted = await self.session.execute(
            insert(table_of(Asset)).values(**values).on_conflict_do_nothing().returning(table_of(Asset).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def page(
        self,
        scope_prefix: str,
        within: str,
        *,
        kind: str | None,
        state: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Asset]:
        query = select(Asset).where(
            in_scope(col(Asset.area_code), scope_prefix), in_scope(col(Asset.area_code), within)
        )
        if kind is not None:
            query = query.where(col(Asset.kind) == kind)
        if state is not None:
            query = query.where(col(Asset.state) == state)
        if after is not None:
            query = query.where(col(Asset.id) > after)
        return (await self.session.execute(query.order_by(col(Asset.id)).limit(limit))).scalars().all()

    # Checks and income ---------------------------------------------------------------------------

    async def checks_of(self, asset_id: uuid.UUID) -> Sequence[AssetCheck]:
        query = select(AssetCheck).where(col(AssetCheck.asset_id) == asset_id).order_by(col(AssetCheck.year))
        return (await self.session.execute(query)).scalars().all()

    async def insert_check(self, values: dict[str, Any]) -> bool:
        """False when the year was checked already."""
        inserted = await self.session.execute(
            insert(table_of(AssetCheck))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(AssetCheck).c.year)
        )
        return inserted.scalar_one_or_none() is not None

    async def incomes_of(self, asset_id: uuid.UUID) -> Sequence[AssetIncome]:
        query = (
            select(AssetIncome).where(col(AssetIncome.asset_id) == asset_id).order_by(col(AssetIncome.year))
        )
        return (await self.session.execute(query)).scalars().all()

    async def income(self, asset_id: uuid.UUID, year: int, *, lock: bool = False) -> AssetIncome | None:
        query = select(AssetIncome).where(
            col(AssetIncome.asset_id) == asset_id, col(AssetIncome.year) == year
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def set_income(self, asset_id: uuid.UUID, year: int, income_fen: int) -> None:
        """The year's income; the table's CHECK refuses one below what is noticed or distributed."""
        statement = insert(table_of(AssetIncome)).values(asset_id=asset_id, year=year, income_fen=income_fen)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["asset_id", "year"], set_={"income_fen": statement.excluded.income_fen}
            )
        )

    async def move_income(self, asset_id: uuid.UUID, year: int, pending: int, distributed: int) -> None:
        """Pending and distributed grow by these (a CHECK keeps their sum within the income)."""
        table = table_of(AssetIncome)
        await self.session.execute(
            update(table)
            .where(table.c.asset_id == asset_id, table.c.year == year)
            .values(
                pending_fen=table.c.pending_fen + pending,
                distributed_fen=table.c.distributed_fen + distributed,
            )
        )

    # Notices -------------------------------------------------------------------------------------

    async def notice(
        self, notice_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> AssetNotice | None:
        query = select(AssetNotice).where(
            col(AssetNotice.id) == notice_id, in_scope(col(AssetNotice.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, row: AssetNotice | NoticeObjection) -> None:
        self.session.add(row)
        await self.session.flush()

    async def notices_of(self, asset_id: uuid.UUID) -> Sequence[AssetNotice]:
        query = (
            select(AssetNotice)
            .where(col(AssetNotice.asset_id) == asset_id)
            .order_by(col(AssetNotice.posted_from), col(AssetNotice.id))
        )
        return (await self.session.execute(query)).scalars().all()

    async def objections_of(self, notice_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[NoticeObjection]]:
        rows = await self.session.execute(
            select(NoticeObjection)
            .where(col(NoticeObjection.notice_id).in_(notice_ids))
            .order_by(col(NoticeObjection.id))
        )
        objections: dict[uuid.UUID, list[NoticeObjection]] = defaultdict(list)
        for objection in rows.scalars():
            objections[objection.notice_id].append(objection)
        return objections

    async def objection(self, notice_id: uuid.UUID, objection_id: int) -> NoticeObjection | None:
        query = (
            select(NoticeObjection)
            .where(col(NoticeObjection.notice_id) == notice_id, col(NoticeObjection.id) == objection_id)
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    # Warnings ------------------------------------------------------------------------------------

    async def unchecked(
        self, scope_prefix: str, within: str, day: date, year: int, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Asset]:
        """Assets held through ``year``'s check deadline (formed before the year, not disposed by
        ``day``) without that year's check done by ``day``."""
        done = select(col(AssetCheck.asset_id)).where(
            col(AssetCheck.asset_id) == col(Asset.id),
            col(AssetCheck.year) == year,
            col(AssetCheck.checked_on) <= day,
        )
        query = select(Asset).where(
            in_scope(col(Asset.area_code), scope_prefix),
            in_scope(col(Asset.area_code), within),
            col(Asset.formed_on) < date(year, 1, 1),
            or_(col(Asset.disposed_on).is_(None), col(Asset.disposed_on) > day),
            not_(done.exists()),
        )
        if after is not None:
            query = query.where(col(Asset.id) > after)
        return (await self.session.execute(query.order_by(col(Asset.id)).limit(limit))).scalars().all()

    async def notices_due(
        self, scope_prefix: str, within: str, day: date, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[AssetNotice]:
        """Notices whose period had ended by ``day`` and were still neither in effect nor withdrawn."""
        query = select(AssetNotice).where(
            in_scope(col(AssetNotice.area_code), scope_prefix),
            in_scope(col(AssetNotice.area_code), within),
            col(AssetNotice.posted_to) < day,
            or_(
                col(AssetNotice.state) == "posted",
                and_(col(AssetNotice.concluded_on).is_not(None), col(AssetNotice.concluded_on) > day),
            ),
        )
        if after is not None:
            query = query.where(col(AssetNotice.id) > after)
        return (await self.session.execute(query.order_by(col(AssetNotice.id)).limit(limit))).scalars().all()
