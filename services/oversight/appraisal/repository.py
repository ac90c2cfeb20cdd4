"""Appraisal SQL: scheme versions, the units of a level in an area, and tasks' figures per village."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.area_codes import NATIONAL_ROOT, is_valid_scope, structural_parent
from services.common.scope import in_scope
from services.oversight.appraisal.models import AppraisalScheme
from services.oversight.models import SupportUnit, WorkTeam
from services.oversight.tasks.models import Rectification


def lineage(area_code: str) -> list[str]:
    """The area, each area above it, and the national root: where its scheme may come from."""
    codes: list[str] = []
    code: str | None = area_code if is_valid_scope(area_code) else None
    while code is not None and code != NATIONAL_ROOT:
        codes.append(code)
        code = structural_parent(code)
    return [*codes, NATIONAL_ROOT]


class AppraisalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_schemes(self, area_code: str, year: int, level: str) -> None:
        """Two saves of one area, year and level take turns (versions are numbered in order)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('oversight.appraisal:' || :key))"),
            {"key": f"{area_code}:{year}:{level}"},
        )

    async def latest(self, area_code: str, year: int, level: str) -> AppraisalScheme | None:
        query = (
            select(AppraisalScheme)
            .where(
                col(AppraisalScheme.area_code) == area_code,
                col(AppraisalScheme.year) == year,
                col(AppraisalScheme.level) == level,
            )
            .order_by(col(AppraisalScheme.version).desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def latest_start(self, area_code: str, year: int, level: str) -> AppraisalScheme | None:
        """The version starting last of those that apply to the area (its own and those above it)."""
        query = (
            select(AppraisalScheme)
            .where(
                col(AppraisalScheme.area_code).in_(lineage(area_code)),
                col(AppraisalScheme.year) == year,
                col(AppraisalScheme.level) == level,
            )
            .order_by(col(AppraisalScheme.effective_from).desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, row: AppraisalScheme) -> AppraisalScheme:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def in_force_for(
        self, villages: Iterable[str], level: str, day: date
    ) -> dict[str, AppraisalScheme | None]:
        """Per village: the most specific area's highest version of ``day``'s year in force on ``day``."""
        lineages = {v: lineage(v) for v in set(villages)}
        wanted = sorted({c for codes in lineages.values() for c in codes})
        query = (
            select(AppraisalScheme)
            .where(
                col(AppraisalScheme.year) == day.year,
                col(AppraisalScheme.level) == level,
                col(AppraisalScheme.effective_from) <= day,
                col(AppraisalScheme.area_code).in_(wanted),
            )
            .order_by(col(AppraisalScheme.version).desc())
        )
        rows = (await self.session.execute(query)).scalars().all()
        found: dict[str, AppraisalScheme | None] = {}
        for village, codes in lineages.items():
            mine = [r for r in rows if r.area_code in codes]
            found[village] = min(mine, key=lambda r: (codes.index(r.area_code), -r.version), default=None)
        return found

    async def schemes(
        self, scope_code: str, scope_prefix: str, *, year: int | None, level: str | None
    ) -> Sequence[AppraisalScheme]:
        """Versions set inside the caller's scope and those set above it (which apply to it too)."""
        above = lineage(scope_code) if scope_code != NATIONAL_ROOT else []
        query = select(AppraisalScheme).where(
            or_(
                in_scope(col(AppraisalScheme.area_code), scope_prefix),
                col(AppraisalScheme.area_code).in_(above),
            )
        )
        if year is not None:
            query = query.where(col(AppraisalScheme.year) == year)
        if level is not None:
            query = query.where(col(AppraisalScheme.level) == level)
        order = (
            col(AppraisalScheme.year).desc(),
            col(AppraisalScheme.level),
            col(AppraisalScheme.area_code),
            col(AppraisalScheme.version).desc(),
        )
        return (await self.session.execute(query.order_by(*order).limit(1000))).scalars().all()

    # The units: teams and members serving in the year up to the day, villages with either or an item.
    async def teams_serving(self, area_prefix: str, first: date, day: date) -> Sequence[WorkTeam]:
        query = select(WorkTeam).where(
            in_scope(col(WorkTeam.village_code), area_prefix),
            col(WorkTeam.starts_on) <= day,
            or_(col(WorkTeam.ends_on).is_(None), col(WorkTeam.ends_on) >= first),
        )
        return (
            (await self.session.execute(query.order_by(col(WorkTeam.village_code), col(WorkTeam.id))))
            .scalars()
            .all()
        )

    async def unit_names(self, unit_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        query = select(col(SupportUnit.id), col(SupportUnit.name)).where(col(SupportUnit.id).in_(unit_ids))
        return {i: n for i, n in (await self.session.execute(query)).all()}

    async def item_villages(self, area_prefix: str, day: date) -> list[str]:
        query = select(func.distinct(col(Rectification.area_code))).where(
            in_scope(col(Rectification.area_code), area_prefix), col(Rectification.received_on) <= day
        )
        return list((await self.session.execute(query)).scalars())

    async def task_figures(self, villages: list[str], day: date) -> dict[str, tuple[int, int, int, int]]:
        """Per village, items received by ``day`` that were due before it or closed by it: (counted,
        closed on time, closed late, open past the deadline)."""
        r = Rectification
        closed_by_day = and_(col(r.closed_on).is_not(None), col(r.closed_on) <= day)
        on_time = and_(closed_by_day, col(r.closed_on) <= col(r.deadline))
        late = and_(closed_by_day, col(r.closed_on) > col(r.deadline))
        query = (
            select(
                col(r.area_code),
                func.count(),
                func.count(case((on_time, 1))),
                func.count(case((late, 1))),
                func.count(case((~closed_by_day, 1))),
            )
            .where(
                col(r.area_code).in_(villages),
                col(r.received_on) <= day,
                or_(col(r.deadline) < day, closed_by_day),
            )
            .group_by(col(r.area_code))
        )
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in (await self.session.execute(query)).all()}
