"""SQL of the sync feed's full first download, of loading what the change log names and why a record
left, and of compacting the change log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import Household, HouseholdMove, Person


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
        col(Person.deceased_on).is_(None),  # the dead leave the active set (and stay readable)
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


async def merges_out(
    session: AsyncSession, household_ids: Sequence[uuid.UUID], scope_prefix: str
) -> dict[uuid.UUID, str]:
    """Of these households, those whose last move out of the scope was a village merge: the village
    they were merged into (a merge is public; where a household moved to is not said)."""
    if not household_ids:
        return {}
    query = select(HouseholdMove.household_id, HouseholdMove.to_area_code, HouseholdMove.reason).where(
        col(HouseholdMove.household_id).in_(household_ids),
        in_scope(col(HouseholdMove.from_area_code), scope_prefix),
        ~in_scope(col(HouseholdMove.to_area_code), scope_prefix),
    )
    last: dict[uuid.UUID, tuple[str, str]] = {}
    for row in (await session.execute(query.order_by(col(HouseholdMove.id)))).all():
        last[row.household_id] = (row.reason, row.to_area_code)  # the latest wins
    return {household: to for household, (reason, to) in last.items() if reason == "merge"}


async def deleted_members(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The deleted people of these (deleted) households: they went with it."""
    members: dict[uuid.UUID, list[uuid.UUID]] = {h: [] for h in household_ids}
    if household_ids:
        query = select(Person.household_id, Person.id).where(
            col(Person.household_id).in_(household_ids), col(Person.deleted_at).is_not(None)
        )
        for household_id, person_id in (await session.execute(query.order_by(col(Person.id)))).all():
            members[household_id].append(person_id)
    return members


async def last_moved(session: AsyncSession) -> int:
    """The newest transaction whose changes compaction moved out of the change log."""
    value = await session.scalar(text("SELECT last_moved::text::bigint FROM registry.change_log_compaction"))
    return int(value or 0)


async def compact(session: AsyncSession, horizon: datetime) -> int:
    """Move the change log's rows older than ``horizon`` to the history table; how many moved."""
    return int(await session.scalar(text("SELECT registry.compact_change_log(:h)"), {"h": horizon}) or 0)
