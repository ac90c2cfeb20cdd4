"""SQL of the case import: the stored digests, the households' cases for overlap, the inserts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.monitoring.models import Case, CaseEvent


class CaseImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stored(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, bytes | None]:
        """Cases with these ids, anywhere (an id is unique): imported ones with their digest, live ones
        with none (so the id is answered as in use)."""
        rows = await self.session.execute(
            select(col(Case.id), col(Case.import_sha256)).where(col(Case.id).in_(ids))
        )
        return {r.id: r.import_sha256 for r in rows}

    async def cases_of(self, household_ids: Sequence[uuid.UUID]) -> Sequence[Case]:
        """Every case of these households but the rejected, locked: an import and a step of the same
        household wait for each other, so no two cases overlap."""
        query = (
            select(Case)
            .where(col(Case.household_id).in_(household_ids), col(Case.state) != "rejected")
            .order_by(col(Case.id))
            .with_for_update()
        )
        return (await self.session.execute(query)).scalars().all()

    async def insert_cases(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        statement = (
            insert(Case).values(rows).on_conflict_do_nothing(index_elements=["id"]).returning(col(Case.id))
        )
        return set((await self.session.execute(statement)).scalars())

    async def insert_steps(self, rows: list[dict[str, Any]]) -> None:
        await self.session.execute(insert(CaseEvent).values(rows))
