"""SQL of the monitoring statistics: cases as they stood at the end of a day (each case's state taken
from its recorded steps) and the alerts live then.

Every query keeps to the caller's scope and to the area asked for with ``area_code LIKE 'prefix%'``,
which the tables' ``text_pattern_ops`` indexes answer (ix_cases_area, ix_alerts_area); a case's steps
and its household's visits are then found by their own indexes (ix_case_events_case,
ix_inspections_household).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Date,
    Integer,
    Row,
    SQLColumnExpression,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.calendar import china_day_end
from services.common.scope import in_scope
from services.monitoring.cases.repository import past_limit
from services.monitoring.cases.workflow import MONITORED_STATES
from services.monitoring.codes import LIVE_ALERT_STATES
from services.monitoring.models import Alert, Case, CaseEvent
from services.monitoring.visits.rollups import VISIT_MEASURES

# China's calendar day of a moment (a fixed UTC+8, as services.common.calendar.CHINA).
CHINA_OFFSET: ColumnClause[Any] = literal_column("INTERVAL '+08:00'")


def _in_area(
    column: SQLColumnExpression[str], scope_prefix: str, prefix: str
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return in_scope(column, scope_prefix), in_scope(column, prefix)


async def case_counts(
    session: AsyncSession, scope_prefix: str, prefix: str, day: date, child_digits: int
) -> Sequence[Row]:
    """Households by (child area, case state on ``day``, monitoring type then): how many, their
    members in the registry on ``day`` (monitoring's copy: ``registry_members_on``; none known yet:
    unsized), and how many cases were past the time limit."""
    end = china_day_end(day)
    # The last step recorded by the end of the day (steps are numbered in the order they were taken);
    # a case with none by then was opened later. Lateral, so that each is looked up once per case.
    last_step = (
        select(col(CaseEvent.to_state).label("state"))
        .where(col(CaseEvent.case_id) == Case.id, col(CaseEvent.at) < end)
        .order_by(col(CaseEvent.id).desc())
        .limit(1)
        .lateral("last_step")
    )
    then = (
        select(
            func.left(Case.area_code, child_digits).label("child"),
            last_step.c.state,
            col(Case.household_id),
            col(Case.monitoring_type),
            col(Case.decision_due_on),
            members_on(col(Case.household_id), day).label("size"),
        )
        .select_from(Case)
        .join(last_step, true())
        .where(*_in_area(col(Case.area_code), scope_prefix, prefix), col(Case.opened_at) < end)
        .subquery("cases_then")
    )
    # The type is the county's at enrolment: before that day the case had none yet.
    monitored = then.c.state.in_([s.value for s in MONITORED_STATES])
    # One row per household and state: a household with two rejected cases is one rejected household.
    households = (
        select(
            then.c.child,
            then.c.state,
            case((monitored, then.c.monitoring_type), else_=None).label("monitoring_type"),
            then.c.household_id,
            then.c.size,
            and_(*past_limit(then.c.state, then.c.decision_due_on, day)).label("late"),
        )
        .distinct()
        .subquery("households_then")
    )
    h = households.c
    # Its people once per state and type, whatever the lateness (as the rollups count them).
    first = func.row_number().over(partition_by=(h.child, h.state, h.monitoring_type, h.household_id)) == 1
    once = select(households, first.label("first")).subquery("households_once")
    o = once.c
    query = select(
        o.child,
        o.state,
        o.monitoring_type,
        func.count().label("households"),
        func.coalesce(func.sum(o.size).filter(o.first), 0).label("people"),
        func.count().filter(o.size.is_(None), o.first).label("unsized"),
        func.count().filter(o.late).label("past_limit"),
    ).group_by(o.child, o.state, o.monitoring_type)
    return (await session.execute(query)).all()


def members_on(household: SQLColumnExpression[Any], day: date) -> ColumnElement[int]:
    """The household's people in the registry on ``day`` (NULL: not known to monitoring yet)."""
    return func.monitoring.registry_members_on(household, cast(literal(day), Date), type_=Integer)


async def open_alert_counts(
    session: AsyncSession, scope_prefix: str, prefix: str, day: date, child_digits: int
) -> Sequence[Row]:
    """Alerts live at the end of ``day``, by (child area, village, risk, China day first raised)."""
    end = china_day_end(day)
    raised_on = cast(func.timezone(CHINA_OFFSET, Alert.first_raised_at), Date)
    keys = (
        func.left(Alert.area_code, child_digits).label("child"),
        col(Alert.area_code),
        col(Alert.risk_code),
        raised_on.label("raised_on"),
    )
    query = (
        select(*keys, func.count().label("alerts"))
        .where(
            *_in_area(col(Alert.area_code), scope_prefix, prefix),
            col(Alert.first_raised_at) < end,
            # Closed since (a case took it, or it was dismissed): handled_at is when it closed.
            or_(col(Alert.state).in_(LIVE_ALERT_STATES), col(Alert.handled_at) >= end),
        )
        .group_by(*keys)
    )
    return (await session.execute(query)).all()


CADRE_VISITS_SQL = text(
    """
SELECT p.cadre_id, c.measure, sum(c.delta)::integer AS pairings
FROM monitoring.rollup_contributions AS c JOIN monitoring.pairings AS p ON p.id = c.subject_id
WHERE c.measure IN :measures AND c.area_code LIKE :pattern AND c.day <= :day
GROUP BY 1, 2 HAVING sum(c.delta) <> 0
"""
).bindparams(bindparam("measures", expanding=True))


async def cadre_visit_counts(session: AsyncSession, prefix: str, day: date) -> Sequence[Row]:
    """Pairings by cadre and visit state on ``day`` below ``prefix``: each pairing's own rollup
    contributions (``visits.rollups``), summed."""
    params = {"measures": list(VISIT_MEASURES), "pattern": prefix + "%", "day": day}
    return (await session.execute(CADRE_VISITS_SQL, params)).all()
