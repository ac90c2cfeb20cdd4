"""The check reports' SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.assets.models import Asset
from services.projects.checks.models import AssetCheckReport


class CheckReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, report_id: uuid.UUID, scope_prefix: str) -> AssetCheckReport | None:
        r = AssetCheckReport
        query = select(r).where(col(r.id) == report_id, in_scope(col(r.area_code), scope_prefix))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(
        self,
        scope_prefix: str,
        within: str,
        *,
        asset_id: uuid.UUID | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[AssetCheckReport]:
        r = AssetCheckReport
        query = select(r).where(in_scope(col(r.area_code), scope_prefix), in_scope(col(r.area_code), within))
        if asset_id is not None:
            query = query.where(col(r.asset_id) == asset_id)
        if after is not None:
            query = query.where(col(r.id) > after)
        return (await self.session.execute(query.order_by(col(r.id)).limit(limit))).scalars().all()

    async def digests(self, report_ids: list[Any]) -> dict[uuid.UUID, tuple[bytes, str]]:
        """Each stored report's request digest and area."""
        r = AssetCheckReport
        rows = await self.session.execute(
            select(col(r.id), col(r.request_sha256), col(r.area_code)).where(col(r.id).in_(report_ids))
        )
        return {report_id: (digest, area) for report_id, digest, area in rows.all()}

    async def assets_in_scope(self, asset_ids: list[uuid.UUID], scope_prefix: str) -> dict[uuid.UUID, Asset]:
        rows = await self.session.execute(
            select(Asset).where(col(Asset.id).in_(asset_ids), in_scope(col(Asset.area_code), scope_prefix))
        )
        return {asset.id: asset for asset in rows.scalars()}

    async def insert(self, values: dict[str, Any]) -> bool:
        """False when the id is taken (a concurrent copy of the report stored it first)."""
        table = table_of(AssetCheckReport)
        row = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return row.scalar_one_or_none() is not None
