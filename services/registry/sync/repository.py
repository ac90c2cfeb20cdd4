"""SQL of the sync feed: snapshot boundaries, the full first download, and the change log windows.

Changes are ordered by transaction id (xid8). A window ends at the oldest transaction still running
when it is read, so a change that commits late can never fall behind a cursor already handed out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.households.repository import in_scope
from services.registry.models import Household, Person


async def finished_below(session: AsyncSession) -> int:
    """Every transaction with an id below this had finished when the current snapshot was taken."""
    value = await session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    return int(value)


async def households_from(
    session: AsyncSession, scope_prefix: str, after: uuid.UUID | None, limit: int
) -> Sequence[Household]:
    query = select(Household).where(
        in_scope(Household.area_code, scope_prefix),
        Household.deleted_at.is_(None),  # type: ignore[union-attr]
    )
    if after is not None:
        query = query.where(Household.id > after)
    return (await session.execute(query.order_by(Household.id).limit(limit))).scalars().all()


async def people_from(
    session: AsyncSession, scope_prefix: str, after: uuid.UUID | None, limit: int
) -> Sequence[Person]:
    query = select(Person).where(
        in_scope(Person.area_code, scope_prefix),
        Person.deleted_at.is_(None),  # type: ignore[union-attr]
    )
    if after is not None:
        query = query.where(Person.id > after)
    return (await session.execute(query.order_by(Person.id).limit(limit))).scalars().all()


CHANGES_SQL = """
SELECT xid::text::bigint AS xid, id, entity_type, entity_id
FROM registry.record_changes
WHERE xid >= CAST(:low AS text)::xid8 AND xid < CAST(:high AS text)::xid8
  AND (area_code LIKE :pattern OR old_area_code LIKE :pattern)
  AND (xid, id) > (CAST(:after_xid AS text)::xid8, :after_id)
ORDER BY xid, id
LIMIT :limit
"""


async def changes_between(
    session: AsyncSession,
    scope_prefix: str,
    low: int,
    high: int,
    after: tuple[int, int] | None,
    limit: int,
) -> list[tuple[int, int, str, uuid.UUID]]:
    """(xid, id, entity_type, entity_id) of changes touching the scope, low <= xid < high."""
    after_xid, after_id = after or (0, 0)
    rows = await session.execute(
        text(CHANGES_SQL),
        {
            "low": str(low),
            "high": str(high),
            "pattern": scope_prefix + "%",  # scope prefixes are digits only: nothing to escape
            "after_xid": str(after_xid),
            "after_id": after_id,
            "limit": limit,
        },
    )
    return [(row.xid, row.id, row.entity_type, row.entity_id) for row in rows]


async def households_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Household]:
    if not ids:
        return []
    query = select(Household).where(Household.id.in_(ids))  # type: ignore[attr-defined]
    return list((await session.execute(query)).scalars().all())


async def people_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Person]:
    if not ids:
        return []
    query = select(Person).where(Person.id.in_(ids))  # type: ignore[attr-defined]
    return list((await session.execute(query)).scalars().all())
