"""SQL of the phone feed: a source's rows in the caller's area by id (the full download), the rows a
window of the change log names, and the log itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.events.window import Log
from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.monitoring.phone_feed.sources import FeedSource
from services.monitoring.rounds.repository import ancestors

# A row's area now or the one it left lies in the scope, or (a source that reaches down) holds it.
PHONE_LOG = Log(
    "monitoring.phone_changes",
    area_filter="area_code LIKE :pattern OR old_area_code LIKE :pattern "
    "OR (area_prefix IS NOT NULL AND :pattern LIKE area_prefix || '%')",
)


async def rows_in_scope(
    session: AsyncSession, source: FeedSource, scope: str, after: uuid.UUID | None, limit: int
) -> Sequence[Any]:
    table: Any = source.table
    where = in_scope(col(table.area_code), scope)
    if source.reaches_down:
        where = where | col(table.area_code).in_(ancestors(scope))
    query = select(table).where(where)
    if after is not None:
        query = query.where(col(table.id) > after)
    return (await session.execute(query.order_by(col(table.id)).limit(limit))).scalars().all()


async def rows_by_id(session: AsyncSession, source: FeedSource, ids: list[uuid.UUID]) -> Sequence[Any]:
    table: Any = source.table
    query = select(table).where(col(table.id) == func.any(uuid_array(ids))).order_by(col(table.id))
    return (await session.execute(query)).scalars().all()
