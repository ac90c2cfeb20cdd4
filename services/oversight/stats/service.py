"""Days in the village per member as of a date, projected to the year's end against the member's target.

The target is the most specific area's for the member's duty and year (``presence_targets``), else 篇5's
(220 days a year for a stationed team; town cadres 3 days a week, the village committee 5), prorated to
the part of the year the member serves. The projection keeps the member's pace so far: days present ×
days serving in the year ÷ days served so far. Days of approved leave (the town's) are taken out of the
year before both: an approved leave is not a shortfall. The days per duty are read from the rollups
(``sql/049_rollup_deltas_of.sql``); who is behind needs each member's target, so it is counted per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.rollups.store import Figures, figures_of
from services.oversight import SCHEMA
from services.oversight.codes import DEFAULT_TARGETS, Duty
from services.oversight.contacts.service import contact_figures
from services.oversight.models import PresenceTarget, TeamMember
from services.oversight.repository import OversightRepository
from services.oversight.sessions.service import session_figures
from services.oversight.stats.schemas import (
    DutyFigures,
    MemberPresence,
    PresenceStats,
    SourceTaskFigures,
    TaskFigures,
)
from services.oversight.tasks.workflow import Source


@dataclass(frozen=True)
class Target:
    days_per_year: int | None
    days_per_week: int | None
    source: str


def target_for(member: TeamMember, targets: Sequence[PresenceTarget]) -> Target:
    """The longest area prefix's target covering the member's village, else the default."""
    best: PresenceTarget | None = None
    for t in targets:
        if t.duty == member.duty and member.village_code.startswith(prefix_of(t.area_code)):
            if best is None or len(prefix_of(t.area_code)) > len(prefix_of(best.area_code)):
                best = t
    if best is not None:
        return Target(best.days_per_year, best.days_per_week, best.area_code)
    per_year, per_week = DEFAULT_TARGETS[Duty(member.duty)]
    return Target(per_year, per_week, "default")


def _days(first: date, last: date) -> int:
    return max(0, (last - first).days + 1)


def _overlap(leaves: Sequence[tuple[date, date]], first: date, last: date) -> int:
    """Days of [first, last] on leave (leaves of one member don't overlap each other in practice; a
    day on two is counted once)."""
    days: set[date] = set()
    for start, end in leaves:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return len(days)


def member_presence(
    member: TeamMember,
    present: int,
    target: Target,
    as_of: date,
    leaves: Sequence[tuple[date, date]] = (),
) -> MemberPresence:
    year_first, year_last = date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    first = max(member.starts_on, year_first)
    last = min(member.ends_on or year_last, year_last)
    serving = _days(first, last) - _overlap(leaves, first, last)
    served = _days(first, min(as_of, last)) - _overlap(leaves, first, min(as_of, last))
    if target.days_per_year is not None:
        target_days = round(target.days_per_year * serving / _days(year_first, year_last))
    else:
        target_days = round((target.days_per_week or 0) * serving / 7)
    projected = round(present * serving / served) if served else 0
    shortfall = max(0, target_days - projected)
    return MemberPresence(
        member_id=member.id,
        name=member.name,
        village_code=member.village_code,
        role=member.role,
        duty=member.duty,
        days_present=present,
        target_days=target_days,
        target_source=target.source,
        projected_days=projected,
        shortfall_days=shortfall,
        behind=shortfall > 0,
    )


async def presence_of_members(session: AsyncSession, area: str, as_of: date) -> list[MemberPresence]:
    """Each member serving in the area this year up to ``as_of``, with their figures."""
    repository = OversightRepository(session)
    year_first = date(as_of.year, 1, 1)
    members = await repository.members_serving(prefix_of(area), year_first, as_of)
    present = await repository.days_present([m.id for m in members], year_first, as_of)
    targets = await repository.targets_of_year(as_of.year)
    leaves = await repository.approved_leaves([m.id for m in members], year_first, date(as_of.year, 12, 31))
    return [
        member_presence(m, present.get(m.id, 0), target_for(m, targets), as_of, leaves.get(m.id, []))
        for m in members
    ]


def task_figures(now: Figures, before: Figures, source: str | None = None) -> TaskFigures:
    """Rectification figures from the rollups as of ``as_of`` (``now``) and the day before the period
    (``before``); one source's, or all of them summed."""
    sources = [source] if source is not None else [s.value for s in Source]

    def count(figures: Figures, measure: str) -> int:
        return sum(figures.get((f"tasks_{measure}", s), 0) for s in sources)

    opened, closed = count(now, "opened"), count(now, "closed")
    return TaskFigures(
        opened=opened - count(before, "opened"),
        closed=closed - count(before, "closed"),
        closed_on_time=count(now, "closed_on_time") - count(before, "closed_on_time"),
        open=opened - closed,
        overdue=count(now, "overdue"),
    )


async def presence_stats(
    session: AsyncSession, area: str, as_of: date, since: date | None = None
) -> PresenceStats:
    """Presence this year up to ``as_of``; sessions from ``since`` (default: the year's start)."""
    members = await presence_of_members(session, area, as_of)
    year_before = date(as_of.year, 1, 1) - timedelta(days=1)
    now = await figures_of(session, SCHEMA, area, as_of)
    then = await figures_of(session, SCHEMA, area, year_before)
    by_duty = []
    for duty in Duty:
        mine = [m for m in members if m.duty == duty.value]
        days = now.get(("days_present", duty.value), 0) - then.get(("days_present", duty.value), 0)
        by_duty.append(
            DutyFigures(
                duty=duty.value,
                label=duty.label,
                members=len(mine),
                days_present=days,
                target_days=sum(m.target_days for m in mine),
                behind=sum(m.behind for m in mine),
            )
        )
    first = since or date(as_of.year, 1, 1)
    sessions, sessions_by_kind = await session_figures(session, area, first, as_of)
    contacts, contacts_by_method = await contact_figures(session, area, first, as_of)
    before = await figures_of(session, SCHEMA, area, first - timedelta(days=1))
    by_source = [
        SourceTaskFigures(source=s.value, label=s.label, **task_figures(now, before, s.value).model_dump())
        for s in Source
    ]
    return PresenceStats(
        area_code=area,
        as_of=as_of,
        year=as_of.year,
        members=len(members),
        days_present=sum(d.days_present for d in by_duty),
        behind=sum(d.behind for d in by_duty),
        by_duty=by_duty,
        sessions=sessions,
        sessions_by_kind=sessions_by_kind,
        contacts=contacts,
        contacts_by_method=contacts_by_method,
        tasks=task_figures(now, before),
        tasks_by_source=by_source,
    )
