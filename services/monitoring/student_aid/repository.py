"""Student aid's SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.scope import in_scope
from services.monitoring.student_aid.models import StudentAid
from services.monitoring.student_aid.schemas import AidKind

LOAN = AidKind.loan.value


class AidRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, aid_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> StudentAid | None:
        query = select(StudentAid).where(
            col(StudentAid.id) == aid_id, in_scope(col(StudentAid.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(
        self,
        scope_prefix: str,
        within: str,
        *,
        school_year: int | None,
        kind: AidKind | None,
        person_id: uuid.UUID | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[StudentAid]:
        query = select(StudentAid).where(
            in_scope(col(StudentAid.area_code), scope_prefix), in_scope(col(StudentAid.area_code), within)
        )
        if school_year is not None:
            query = query.where(col(StudentAid.school_year) == school_year)
        if kind is not None:
            query = query.where(col(StudentAid.kind) == kind.value)
        if person_id is not None:
            query = query.where(col(StudentAid.person_id) == person_id)
        if after is not None:
            query = query.where(col(StudentAid.id) > after)
        rows = await self.session.execute(query.order_by(col(StudentAid.id)).limit(limit))
        return rows.scalars().all()

    async def by_kind(self, prefix: str, year: int, day: date) -> list[tuple[str, int, int, int, int]]:
        """(kind, students, records, owed fen, paid fen) of the records entered by the day."""
        paid = and_(col(StudentAid.paid_on).is_not(None), col(StudentAid.paid_on) <= day)
        rows = await self.session.execute(
            select(
                col(StudentAid.kind),
                func.count(col(StudentAid.person_id).distinct()),
                func.count(),
                func.coalesce(func.sum(col(StudentAid.amount_fen)), 0),
                func.coalesce(func.sum(col(StudentAid.amount_fen)).filter(paid), 0),
            )
            .where(*self._of(prefix, year, day))
            .group_by(col(StudentAid.kind))
        )
        return [(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]

    async def students(self, prefix: str, year: int, day: date, *, loans: bool) -> tuple[int, int, int]:
        """(students, those with every record paid or completed by the day, those with every notice
        delivered by the day), of aid (``loans`` False) or of loans."""
        paid = and_(col(StudentAid.paid_on).is_not(None), col(StudentAid.paid_on) <= day)
        told = and_(
            col(StudentAid.notice_delivered_on).is_not(None), col(StudentAid.notice_delivered_on) <= day
        )
        kind = col(StudentAid.kind)
        per_student = (
            select(
                col(StudentAid.person_id),
                func.bool_and(paid).label("paid"),
                func.bool_and(told).label("told"),
            )
            .where(*self._of(prefix, year, day), kind == LOAN if loans else kind != LOAN)
            .group_by(col(StudentAid.person_id))
            .subquery()
        )
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(per_student.c.paid),
                    func.count().filter(per_student.c.told),
                ).select_from(per_student)
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    @staticmethod
    def _of(prefix: str, year: int, day: date) -> tuple[ColumnElement[bool], ...]:
        """The year's records of the area (owed from entry; ``day`` says what was paid by when)."""
        return in_scope(col(StudentAid.area_code), prefix), col(StudentAid.school_year) == year
