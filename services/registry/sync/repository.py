"""SQL of the sync feed's full first download and of loading what the change log names."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import Household, Person


async def households_from(
    session: AsyncSession, scope_prefix: str, after: uuid.UUID | None, limit: int
) -> Sequence[Household]:
    query = select(Household).where(
        in_scope(col(Household.area_code), scope_prefix),
        col(Household.deleted_at).is_(None),
    )
    if after is not None:
        query = query.where(Household.id > after)
    return (await session.execute(query.order_by(col(Household.id)).limit(limit))).scalars().all()


async def people_from(
    session: AsyncSession, scope_prefix: str, after: uuid.UUID | None, limit: int
) -> Sequence[Person]:
    query = select(Person).where(
        in_scope(col(Person.area_code), scope_prefix),
        col(Person.deleted_at).is_(None),
    )
    if after is not None:
        query = query.where(Person.id > after)
    return (await session.execute(query.order_by(col(Person.id)).limit(limit))).scalars().all()


async def households_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Household]:
    if not ids:
        return []
    query = select(Household).where(col(Household.id).in_(ids))
    return list((await session.execute(query)).scalars().all())


async def people_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Person]:
    if not ids:
        return []
    query = select(Person).where(col(Person.id).in_(ids))
    return list((await session.execute(query)).scalars().all())
