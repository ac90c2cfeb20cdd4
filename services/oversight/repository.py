"""The oversight service's SQL: units, teams and members, check-ins, village points and targets, always
in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.oversight.models import (
    CheckIn,
    Leave,
    PresenceTarget,
    SupportUnit,
    TeamMember,
    VillagePoint,
    WorkTeam,
)


async def _insert_new(session: AsyncSession, model: Any, values: dict[str, Any]) -> bool:
    """False when the id is taken (a retry, or a race's loser, who waits here for the winner to commit)."""
    table = table_of(model)
    inserted = await session.execute(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    )
    return inserted.scalar_one_or_none() is not None


class OversightRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Support units: seen by their own area's callers and by those of any village they support.
    def _unit_visible(self, scope_prefix: str) -> ColumnElement[bool]:
        if not scope_prefix:
            return true()
        villages = func.array_to_string(col(SupportUnit.villages), ",")
        return or_(
            in_scope(col(SupportUnit.area_code), scope_prefix),
            villages.op("~")(f"(^|,){scope_prefix}").is_(True),
        )

    async def insert_unit(self, values: dict[str, Any]) -> bool:
        return await _insert_new(self.session, SupportUnit, values)

    async def unit(self, unit_id: uuid.UUID, scope_prefix: str) -> SupportUnit | None:
        query = select(SupportUnit).where(col(SupportUnit.id) == unit_id, self._unit_visible(scope_prefix))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def unit_anywhere(self, unit_id: uuid.UUID) -> SupportUnit | None:
        """For a retry's check only."""
        return await self.session.get(SupportUnit, unit_id)

    async def units(
        self, scope_prefix: str, within: str, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[SupportUnit]:
        query = select(SupportUnit).where(self._unit_visible(scope_prefix), self._unit_visible(within))
        if after is not None:
            query = query.where(col(SupportUnit.id) > after)
        return (await self.session.execute(query.order_by(col(SupportUnit.id)).limit(limit))).scalars().all()

    # Teams and their members: a team is its village's.
    async def insert_team(self, values: dict[str, Any], members: list[dict[str, Any]]) -> bool | None:
        """True: inserted with every member; False: the team's id is taken; None: a member's id is taken
        (the caller refuses the request, and its transaction goes with it)."""
        if not await _insert_new(self.session, WorkTeam, values):
            return False
        table = table_of(TeamMember)
        inserted = await self.session.execute(
            insert(table).values(members).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        )
        return True if len(inserted.scalars().all()) == len(members) else None

    async def team(self, team_id: uuid.UUID, scope_prefix: str) -> WorkTeam | None:
        query = select(WorkTeam).where(
            col(WorkTeam.id) == team_id, in_scope(col(WorkTeam.village_code), scope_prefix)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def team_anywhere(self, team_id: uuid.UUID) -> WorkTeam | None:
        return await self.session.get(WorkTeam, team_id)

    async def teams(
        self, scope_prefix: str, within: str, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[WorkTeam]:
        query = select(WorkTeam).where(
            in_scope(col(WorkTeam.village_code), scope_prefix), in_scope(col(WorkTeam.village_code), within)
        )
        if after is not None:
            query = query.where(col(WorkTeam.id) > after)
        return (await self.session.execute(query.order_by(col(WorkTeam.id)).limit(limit))).scalars().all()

    async def members_of(self, team_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TeamMember]]:
        query = select(TeamMember).where(col(TeamMember.team_id).in_(team_ids)).order_by(col(TeamMember.name))
        found: dict[uuid.UUID, list[TeamMember]] = defaultdict(list)
        for member in (await self.session.execute(query)).scalars():
            found[member.team_id].append(member)
        return found

    async def member_ids_taken(self, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        query = select(col(TeamMember.id)).where(col(TeamMember.id).in_(ids))
        return list((await self.session.execute(query)).scalars())

    # Check-ins and the village's point.
    async def check_in(self, check_in_id: uuid.UUID) -> CheckIn | None:
        return await self.session.get(CheckIn, check_in_id, populate_existing=True)

    async def check_in_digests(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[bytes | None, str]]:
        """For a retry's check only: each stored check-in's request digest and village."""
        query = select(col(CheckIn.id), col(CheckIn.request_sha256), col(CheckIn.village_code)).where(
            col(CheckIn.id).in_(ids)
        )
        return {i: (digest, village) for i, digest, village in (await self.session.execute(query)).all()}

    async def members(self, ids: list[uuid.UUID], scope_prefix: str) -> dict[uuid.UUID, TeamMember]:
        query = select(TeamMember).where(
            col(TeamMember.id).in_(ids), in_scope(col(TeamMember.village_code), scope_prefix)
        )
        return {m.id: m for m in (await self.session.execute(query)).scalars()}

    async def insert_check_ins(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """The ids actually inserted; in id order, so overlapping retries wait instead of deadlocking."""
        table = table_of(CheckIn)
        statement = (
            insert(table)
            .values(sorted(rows, key=lambda r: r["id"]))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(table.c.id)
        )
        return set((await self.session.execute(statement)).scalars())

    async def village_point(self, village_code: str) -> VillagePoint | None:
        return await self.session.get(VillagePoint, village_code)

    async def claim_village_point(self, values: dict[str, Any]) -> bool:
        """The first check-in of a village sets its point; False when another got there first."""
        table = table_of(VillagePoint)
        inserted = await self.session.execute(
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["village_code"])
            .returning(table.c.village_code)
        )
        return inserted.scalar_one_or_none() is not None

    async def check_ins(
        self,
        scope_prefix: str,
        within: str,
        *,
        member_id: uuid.UUID | None,
        far: bool | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[CheckIn]:
        query = select(CheckIn).where(
            in_scope(col(CheckIn.village_code), scope_prefix), in_scope(col(CheckIn.village_code), within)
        )
        if member_id is not None:
            query = query.where(col(CheckIn.member_id) == member_id)
        if far is not None:
            query = query.where(col(CheckIn.far) == far)
        if after is not None:
            query = query.where(col(CheckIn.id) > after)
        return (await self.session.execute(query.order_by(col(CheckIn.id)).limit(limit))).scalars().all()

    # Leaves.
    async def insert_leave(self, values: dict[str, Any]) -> bool:
        return await _insert_new(self.session, Leave, values)

    async def leave_anywhere(self, leave_id: uuid.UUID) -> Leave | None:
        """For a retry's check only."""
        return await self.session.get(Leave, leave_id)

    async def leave(self, leave_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Leave | None:
        query = select(Leave).where(
            col(Leave.id) == leave_id, in_scope(col(Leave.village_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def leaves(
        self,
        scope_prefix: str,
        within: str,
        *,
        member_id: uuid.UUID | None,
        state: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Leave]:
        query = select(Leave).where(
            in_scope(col(Leave.village_code), scope_prefix), in_scope(col(Leave.village_code), within)
        )
        if member_id is not None:
            query = query.where(col(Leave.member_id) == member_id)
        if state is not None:
            query = query.where(col(Leave.state) == state)
        if after is not None:
            query = query.where(col(Leave.id) > after)
        return (await self.session.execute(query.order_by(col(Leave.id)).limit(limit))).scalars().all()

    async def approved_leaves(
        self, member_ids: list[uuid.UUID], first: date, last: date
    ) -> dict[uuid.UUID, list[tuple[date, date]]]:
        """Each member's approved leaves overlapping [first, last]."""
        query = select(col(Leave.member_id), col(Leave.starts_on), col(Leave.ends_on)).where(
            col(Leave.member_id).in_(member_ids),
            col(Leave.state) == "approved",
            col(Leave.starts_on) <= last,
            col(Leave.ends_on) >= first,
        )
        found: dict[uuid.UUID, list[tuple[date, date]]] = defaultdict(list)
        for member_id, starts_on, ends_on in (await self.session.execute(query)).all():
            found[member_id].append((starts_on, ends_on))
        return found

    # Targets: the most specific area's target for a duty and year applies to a village.
    async def set_target(self, values: dict[str, Any]) -> PresenceTarget:
        table = table_of(PresenceTarget)
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["area_code", "year", "duty"],
            set_={
                "days_per_year": statement.excluded.days_per_year,
                "days_per_week": statement.excluded.days_per_week,
                "set_by": statement.excluded.set_by,
                "set_at": func.now(),
            },
        )
        await self.session.execute(statement)
        target = await self.session.get(
            PresenceTarget, (values["area_code"], values["year"], values["duty"]), populate_existing=True
        )
        assert target is not None
        return target

    async def target(self, area_code: str, year: int, duty: str) -> PresenceTarget | None:
        return await self.session.get(PresenceTarget, (area_code, year, duty))

    async def targets(self, scope_prefix: str, within: str, year: int | None) -> Sequence[PresenceTarget]:
        query = select(PresenceTarget).where(
            in_scope(col(PresenceTarget.area_code), scope_prefix),
            in_scope(col(PresenceTarget.area_code), within),
        )
        if year is not None:
            query = query.where(col(PresenceTarget.year) == year)
        order = (col(PresenceTarget.year), col(PresenceTarget.area_code), col(PresenceTarget.duty))
        return (await self.session.execute(query.order_by(*order))).scalars().all()

    async def targets_of_year(self, year: int) -> Sequence[PresenceTarget]:
        """Every target of a year (a few rows per county): a village's is the longest prefix's."""
        query = select(PresenceTarget).where(col(PresenceTarget.year) == year)
        return (await self.session.execute(query)).scalars().all()

    # Figures: members serving in an area during a period, and their days present up to a day.
    async def members_serving(self, area_prefix: str, first: date, last: date) -> Sequence[TeamMember]:
        query = select(TeamMember).where(
            in_scope(col(TeamMember.village_code), area_prefix),
            col(TeamMember.starts_on) <= last,
            or_(col(TeamMember.ends_on).is_(None), col(TeamMember.ends_on) >= first),
        )
        return (await self.session.execute(query.order_by(col(TeamMember.id)))).scalars().all()

    async def days_present(
        self, member_ids: list[uuid.UUID], first: date, last: date
    ) -> dict[uuid.UUID, int]:
        query = (
            select(col(CheckIn.member_id), func.count(func.distinct(col(CheckIn.day))))
            .where(col(CheckIn.member_id).in_(member_ids), col(CheckIn.day).between(first, last))
            .group_by(col(CheckIn.member_id))
        )
        return {m: n for m, n in (await self.session.execute(query)).all()}
