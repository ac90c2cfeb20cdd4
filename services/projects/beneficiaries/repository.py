"""The beneficiary tables' SQL, always in the caller's area (``scope_prefix``): a link lives in its
household's village, and so does each payment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.assets.models import Asset, AssetNotice
from services.projects.beneficiaries.models import BeneficiaryLink, BeneficiaryPayment
from services.projects.models import Project


class BeneficiaryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def projects_in_scope(self, ids: Sequence[uuid.UUID], scope_prefix: str) -> set[uuid.UUID]:
        if not ids:
            return set()
        query = select(col(Project.id)).where(
            col(Project.id).in_(ids), in_scope(col(Project.area_code), scope_prefix)
        )
        return set((await self.session.execute(query)).scalars())

    async def assets_in_scope(self, ids: Sequence[uuid.UUID], scope_prefix: str) -> set[uuid.UUID]:
        if not ids:
            return set()
        query = select(col(Asset.id)).where(
            col(Asset.id).in_(ids), in_scope(col(Asset.area_code), scope_prefix)
        )
        return set((await self.session.execute(query)).scalars())

    async def link_digests(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[bytes | None, str]]:
        """Any area: a retry is recognised wherever its id was stored (the caller's area decides after)."""
        query = select(
            col(BeneficiaryLink.id), col(BeneficiaryLink.request_sha256), col(BeneficiaryLink.area_code)
        )
        rows = await self.session.execute(query.where(col(BeneficiaryLink.id).in_(ids)))
        return {row.id: (row.request_sha256, row.area_code) for row in rows}

    async def insert_links(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        table = table_of(BeneficiaryLink)
        inserted = await self.session.execute(
            insert(table).values(rows).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return set(inserted.scalars())

    async def link(self, link_id: uuid.UUID, scope_prefix: str) -> BeneficiaryLink | None:
        query = select(BeneficiaryLink).where(
            col(BeneficiaryLink.id) == link_id, in_scope(col(BeneficiaryLink.area_code), scope_prefix)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def links(
        self,
        scope_prefix: str,
        *,
        within: str,
        project_id: uuid.UUID | None,
        asset_id: uuid.UUID | None,
        household_id: uuid.UUID | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[BeneficiaryLink]:
        query = select(BeneficiaryLink).where(
            in_scope(col(BeneficiaryLink.area_code), scope_prefix),
            in_scope(col(BeneficiaryLink.area_code), within),
        )
        for column, value in (
            (BeneficiaryLink.project_id, project_id),
            (BeneficiaryLink.asset_id, asset_id),
            (BeneficiaryLink.household_id, household_id),
        ):
            if value is not None:
                query = query.where(col(column) == value)
        if after is not None:
            query = query.where(col(BeneficiaryLink.id) > after)
        return (
            (await self.session.execute(query.order_by(col(BeneficiaryLink.id)).limit(limit))).scalars().all()
        )

    async def paid_through(self, link_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not link_ids:
            return {}
        query = (
            select(col(BeneficiaryPayment.link_id), func.sum(col(BeneficiaryPayment.amount_fen)))
            .where(col(BeneficiaryPayment.link_id).in_(link_ids))
            .group_by(col(BeneficiaryPayment.link_id))
        )
        return {link: int(total) for link, total in (await self.session.execute(query)).all()}

    async def payment(self, payment_id: uuid.UUID) -> BeneficiaryPayment | None:
        """Any area: for a retry's check only."""
        return await self.session.get(BeneficiaryPayment, payment_id)

    async def insert_payment(self, values: dict[str, Any]) -> bool:
        """False when the id is taken (a retry, or a race's loser, who waits for the winner's commit)."""
        table = table_of(BeneficiaryPayment)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def payments_of(
        self, link_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[BeneficiaryPayment]:
        query = select(BeneficiaryPayment).where(col(BeneficiaryPayment.link_id) == link_id)
        if after is not None:
            query = query.where(col(BeneficiaryPayment.id) > after)
        return (
            (await self.session.execute(query.order_by(col(BeneficiaryPayment.id)).limit(limit)))
            .scalars()
            .all()
        )

    async def distribution_notice(self, notice_id: uuid.UUID, asset_id: uuid.UUID) -> AssetNotice | None:
        query = select(AssetNotice).where(
            col(AssetNotice.id) == notice_id,
            col(AssetNotice.asset_id) == asset_id,
            col(AssetNotice.subject) == "distribution",
        )
        return (await self.session.execute(query)).scalar_one_or_none()
