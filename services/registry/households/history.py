"""Reading the change log as a record's history (the triggers write it; nothing here writes)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.registry.households.repository import HouseholdRepository
from services.registry.households.schemas import HistoryEntry
from services.registry.models import Household, Person

HistoryPage = Page[HistoryEntry]


async def read_history(
    session: AsyncSession, record: Household | Person, *, limit: int, cursor: str | None
) -> HistoryPage:
    """A person's own changes; a household's changes with those of everyone who has been a member."""
    repository = HouseholdRepository(session)
    ids = [record.id]
    if isinstance(record, Household):
        ids += await repository.member_ids_ever(record.id)
    after = cursor_field(decode_cursor(cursor), "id", int)
    rows = await repository.history(ids, after_id=after, limit=limit + 1)
    items = [HistoryEntry.model_validate(row, from_attributes=True) for row in rows[:limit]]
    next_cursor = encode_cursor({"id": items[-1].id}) if len(rows) > limit and items else None
    return HistoryPage(items=items, next_cursor=next_cursor)
