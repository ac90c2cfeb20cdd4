"""Sessions' SQL, always in the caller's area."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.oversight.sessions.models import StudySession


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> bool:
        table = table_of(StudySession)
        inserted = await self.session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def anywhere(self, session_id: uuid.UUID) -> StudySession | None:
        """For a retry's check only."""
        return await self.session.get(StudySession, session_id)

    async def one(self, session_id: uuid.UUID, scope_prefix: str) -> StudySession | None:
        query = select(StudySession).where(
            col(StudySession.id) == session_id, in_scope(col(StudySession.area_code), scope_prefix)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def many(
        self,
        scope_prefix: str,
        within: str,
        *,
        kind: str | None,
        audience: str | None,
        since: date | None,
        until: date | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[StudySession]:
        query = select(StudySession).where(
            in_scope(col(StudySession.area_code), scope_prefix), in_scope(col(StudySession.area_code), within)
        )
        if kind is not None:
            query = query.where(col(StudySession.kind) == kind)
        if audience is not None:
            query = query.where(col(StudySession.audience) == audience)
        if since is not None:
            query = query.where(col(StudySession.held_on) >= since)
        if until is not None:
            query = query.where(col(StudySession.held_on) <= until)
        if after is not None:
            query = query.where(col(StudySession.id) > after)
        return (await self.session.execute(query.order_by(col(StudySession.id)).limit(limit))).scalars().all()

    async def totals(
        self, area_prefix: str, since: date, until: date
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(kind, audience) -> (sessions, 人次) held in the area from ``since`` to ``until``."""
        s = table_of(StudySession).c
        query = (
            select(s.kind, s.audience, func.count(), func.coalesce(func.sum(s.attendance), 0))
            .where(in_scope(s.area_code, area_prefix), s.held_on.between(since, until))
            .group_by(s.kind, s.audience)
        )
        return {(k, a): (n, int(people)) for k, a, n, people in (await self.session.execute(query)).all()}
