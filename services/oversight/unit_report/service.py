"""A support unit's report (篇3's 实事): for the unit's villages in the caller's area and a period, its
work teams and each member's days in the village, the rectification items it is responsible for, the
sessions held in its villages, its cadres' contacts with households, and projects, money, visits and
training from the other services."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.oversight.repository import OversightRepository
from services.oversight.service import not_found
from services.oversight.unit_report.peers import village_figures
from services.oversight.unit_report.repository import UnitReportRepository
from services.oversight.unit_report.schemas import (
    MemberDays,
    TeamDays,
    Totals,
    UnitContacts,
    UnitReport,
    UnitSessions,
    UnitTasks,
    VillageFigures,
)


def totals_of(rows: list[VillageFigures]) -> Totals:
    projects = [r.projects for r in rows if r.projects is not None]
    visits = [r.visits for r in rows if r.visits is not None]
    training = [r.training for r in rows if r.training is not None]
    return Totals(
        projects=sum(p.projects for p in projects),
        projects_added=sum(p.projects_added for p in projects),
        budget_fen=sum(p.budget_fen for p in projects),
        paid_fen=sum(p.paid_fen for p in projects),
        paid_in_period_fen=sum(p.paid_in_period_fen for p in projects),
        visits_pairings=sum(v.pairings for v in visits),
        visits_visited=sum(v.visited for v in visits),
        training_enrolled=sum(t.enrolled for t in training),
        training_completed=sum(t.completed for t in training),
        training_placed=sum(t.placed for t in training),
    )


async def unit_report(
    session: AsyncSession, request: Request, unit_id: uuid.UUID, principal: Principal, first: date, last: date
) -> UnitReport:
    unit = await OversightRepository(session).unit(unit_id, principal.scope_prefix)
    if unit is None:
        raise not_found("unit", unit_id)
    villages = sorted(v for v in unit.villages if v.startswith(principal.scope_prefix))
    repository = UnitReportRepository(session)
    teams = await repository.teams(unit.id, villages, first, last)
    members = await repository.members([t.id for t in teams])
    days = await repository.days_present([m.id for m in members], first, last)
    team_rows = []
    for team in teams:
        rows = [
            MemberDays(
                member_id=m.id,
                name=m.name,
                role=m.role,
                duty=m.duty,
                starts_on=m.starts_on,
                ends_on=m.ends_on,
                cadre_id=m.cadre_id,
                days_present=days.get(m.id, 0),
            )
            for m in members
            if m.team_id == team.id
        ]
        team_rows.append(
            TeamDays(
                team_id=team.id,
                village_code=team.village_code,
                starts_on=team.starts_on,
                ends_on=team.ends_on,
                members=rows,
                days_present=sum(r.days_present for r in rows),
            )
        )
    tasks = await repository.task_counts(unit.id, principal.scope_prefix, first, last)
    held = await repository.session_counts(villages, first, last)
    cadres = sorted({m.cadre_id for m in members if m.cadre_id is not None})
    contacts = await repository.contact_counts(cadres, villages, first, last)
    by_village, missing = await village_figures(request, villages, first, last)
    return UnitReport(
        unit_id=unit.id,
        name=unit.name,
        level=unit.level,
        period_from=first,
        period_to=last,
        villages=villages,
        teams=team_rows,
        members=len(members),
        days_present=sum(t.days_present for t in team_rows),
        tasks=UnitTasks(**tasks._mapping),
        sessions=UnitSessions(
            sessions=held.sessions, cadre_attendance=held.cadres, villager_attendance=held.villagers
        ),
        contacts=UnitContacts(**contacts._mapping),
        by_village=by_village,
        totals=totals_of(by_village),
        missing=missing,
    )
