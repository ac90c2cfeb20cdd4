"""A support unit's report's SQL: every query keeps to the villages given (the unit's in the caller's
area) or to the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.scope import in_scope
from services.oversight.contacts.models import Contact, ContactMethod
from services.oversight.models import CheckIn, TeamMember, WorkTeam
from services.oversight.sessions.models import Audience, StudySession
from services.oversight.tasks.models import Rectification


def _count_if(condition: Any) -> Any:
    return func.count().filter(condition)


class UnitReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def teams(
        self, unit_id: uuid.UUID, villages: list[str], first: date, last: date
    ) -> Sequence[WorkTeam]:
        """The unit's teams in the villages that served some day of the period."""
        query = select(WorkTeam).where(
            col(WorkTeam.unit_id) == unit_id,
            col(WorkTeam.village_code).in_(villages),
            col(WorkTeam.starts_on) <= last,
            or_(col(WorkTeam.ends_on).is_(None), col(WorkTeam.ends_on) >= first),
        )
        order = query.order_by(col(WorkTeam.village_code), col(WorkTeam.starts_on), col(WorkTeam.id))
        return (await self.session.execute(order)).scalars().all()

    async def members(self, team_ids: list[uuid.UUID]) -> Sequence[TeamMember]:
        query = select(TeamMember).where(col(TeamMember.team_id).in_(team_ids))
        return (
            (await self.session.execute(query.order_by(col(TeamMember.name), col(TeamMember.id))))
            .scalars()
            .all()
        )

    async def days_present(
        self, member_ids: list[uuid.UUID], first: date, last: date
    ) -> dict[uuid.UUID, int]:
        query = (
            select(col(CheckIn.member_id), func.count(func.distinct(col(CheckIn.day))))
            .where(col(CheckIn.member_id).in_(member_ids), col(CheckIn.day).between(first, last))
            .group_by(col(CheckIn.member_id))
        )
        return {m: n for m, n in (await self.session.execute(query)).all()}

    async def task_counts(self, unit_id: uuid.UUID, scope_prefix: str, first: date, last: date) -> Any:
        """Items the unit is responsible for, in the caller's area: opened and closed in the period, open
        and overdue on its last day (overdue as ``tasks.repository.overdue_on`` counts)."""
        r = Rectification
        closed_in = col(r.closed_on).between(first, last)
        still_open = and_(
            col(r.received_on) <= last, or_(col(r.closed_on).is_(None), col(r.closed_on) > last)
        )
        query = select(
            _count_if(col(r.received_on).between(first, last)).label("opened"),
            _count_if(closed_in).label("closed"),
            _count_if(and_(closed_in, col(r.closed_on) <= col(r.deadline))).label("closed_on_time"),
            _count_if(still_open).label("open"),
            _count_if(and_(still_open, col(r.deadline) < last)).label("overdue"),
        ).where(col(r.unit_id) == unit_id, in_scope(col(r.area_code), scope_prefix))
        return (await self.session.execute(query)).one()

    async def session_counts(self, villages: list[str], first: date, last: date) -> Any:
        s = StudySession
        of = col(s.audience)
        query = select(
            func.count().label("sessions"),
            func.coalesce(func.sum(case((of == Audience.cadres.value, col(s.attendance)), else_=0)), 0).label(
                "cadres"
            ),
            func.coalesce(
                func.sum(case((of == Audience.villagers.value, col(s.attendance)), else_=0)), 0
            ).label("villagers"),
        ).where(col(s.area_code).in_(villages), col(s.held_on).between(first, last))
        return (await self.session.execute(query)).one()

    async def contact_counts(
        self, cadre_ids: list[uuid.UUID], villages: list[str], first: date, last: date
    ) -> Any:
        c = Contact
        query = select(
            func.count().label("contacts"),
            _count_if(col(c.method) == ContactMethod.visit.value).label("visits"),
            func.count(func.distinct(col(c.household_id))).label("households"),
        ).where(
            col(c.cadre_id).in_(cadre_ids), col(c.area_code).in_(villages), col(c.day).between(first, last)
        )
        return (await self.session.execute(query)).one()
