"""Monitoring statistics of an area on a date (监测报表): monitored households by type and by case
state, cases past the time limit, alerts open and overdue, and visit compliance, for the area and for
each area one level down. The rules are the cases', the alerts' and the visits' own; here they are
only counted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import (
    CODE_LENGTH,
    PREFIX_LENGTH,
    AreaCodeError,
    AreaLevel,
    level_of,
    prefix_of,
)
from services.common.errors import ValidationFailed
from services.common.rollups.store import Figures, figures_of, figures_of_children
from services.common.scope import no_area
from services.monitoring.cases.service import decision_days
from services.monitoring.cases.workflow import MONITORED_STATES, CaseState, MonitoringType
from services.monitoring.codes import RiskCode
from services.monitoring.stats.repository import cadre_visit_counts, case_counts, open_alert_counts
from services.monitoring.stats.rollups import (
    OPEN,
    OVERDUE,
    PAST_LIMIT,
    SCHEMA,
    STATE,
    STATE_PEOPLE,
    STATE_UNSIZED,
    TYPE,
    TYPE_PEOPLE,
    TYPE_UNSIZED,
)
from services.monitoring.stats.schemas import (
    AlertTally,
    CadreVisitTally,
    HouseholdTally,
    MonitoringFigures,
    MonitoringStats,
    RiskTally,
    StateTally,
    TypeTally,
    VisitTally,
)
from services.monitoring.visits.rollups import VISIT_MEASURES
from services.monitoring.visits.service import PairingCheck, check_pairings

# The digits of the areas one level down; a village has none below it.
CHILD_DIGITS: dict[AreaLevel, int | None] = {
    AreaLevel.county: PREFIX_LENGTH[AreaLevel.town],
    AreaLevel.town: PREFIX_LENGTH[AreaLevel.village],
    AreaLevel.village: None,
}


def child_digits_of(area: str) -> int | None:
    """The digits of the areas below ``area`` (one in the caller's scope) the figures go by."""
    try:
        level = level_of(area)
    except AreaCodeError as exc:  # the whole country: no level, no such area to count by
        raise no_area(area) from exc
    if level not in CHILD_DIGITS:  # a province or city at once would be a scan of everything below
        raise ValidationFailed.field(
            ["query", "area"], f"{area} is a {level.value}: ask by county, town or village", "area_level"
        )
    return CHILD_DIGITS[level]


def _household_tally(counts: list[int]) -> dict[str, int]:
    households, people, unsized = counts
    return {"households": households, "people": people, "households_unsized": unsized}


def _visit_tally(counts: list[int]) -> dict[str, int]:
    pairings, visited, not_yet_due, overdue = counts
    return {"pairings": pairings, "visited": visited, "not_yet_due": not_yet_due, "overdue": overdue}


def _add_visits(counts: list[int], measure: str, n: int) -> None:
    """``n`` pairings in one of the rollups' visit states (``visits.rollups``)."""
    counts[0] += n
    counts[1 + VISIT_MEASURES.index(measure)] += n


def _count_visit(counts: list[int], check: PairingCheck) -> None:
    counts[0] += 1
    counts[1 if check.visited else 3 if check.late else 2] += 1


# The rollups' household measures: (the tallies they go to, households / people / unsized).
HOUSEHOLD_MEASURES = {
    STATE: ("states", 0),
    STATE_PEOPLE: ("states", 1),
    STATE_UNSIZED: ("states", 2),
    TYPE: ("types", 0),
    TYPE_PEOPLE: ("types", 1),
    TYPE_UNSIZED: ("types", 2),
}


class _Tally:
    """The figures of one area, as the rows are added."""

    def __init__(self, area_code: str, with_visits: bool) -> None:
        self.area_code = area_code
        self.states = {s.value: [0, 0, 0] for s in CaseState}  # households, people, unsized
        self.types = {t.value: [0, 0, 0] for t in MonitoringType}
        self.past_limit = 0
        self.alerts = {r.value: [0, 0] for r in RiskCode}  # open, overdue
        self.visits = [0, 0, 0, 0] if with_visits else None  # pairings, visited, not yet due, overdue

    def add_cases(self, row: Any) -> None:
        for counts in (self.states[row.state], self.types.get(row.monitoring_type)):
            if counts is not None:  # the type: only once enrolled
                counts[0] += row.households
                counts[1] += row.people
                counts[2] += row.unsized
        self.past_limit += row.past_limit

    def add_figures(self, figures: Figures) -> None:
        """Households and their people, cases past the limit and alerts from the rollups."""
        for (measure, key), n in figures.items():
            if measure in HOUSEHOLD_MEASURES:
                tallies, column = HOUSEHOLD_MEASURES[measure]
                getattr(self, tallies)[key][column] += n
            elif measure == PAST_LIMIT:
                self.past_limit += n
            elif measure in (OPEN, OVERDUE):
                self.alerts[key][measure == OVERDUE] += n
            elif measure in VISIT_MEASURES and self.visits is not None:
                _add_visits(self.visits, measure, n)

    def add_alerts(self, risk_code: str, alerts: int, overdue: bool) -> None:
        self.alerts[risk_code][0] += alerts
        self.alerts[risk_code][1] += alerts if overdue else 0

    def add_visit(self, check: PairingCheck) -> None:
        if self.visits is not None:
            _count_visit(self.visits, check)

    def figures(self) -> dict[str, Any]:
        monitored = [sum(self.states[s.value][i] for s in MONITORED_STATES) for i in range(3)]
        return {
            "area_code": self.area_code,
            "monitored": HouseholdTally(**_household_tally(monitored)),
            "monitored_by_type": [
                TypeTally(monitoring_type=t, label=t.label, **_household_tally(self.types[t.value]))
                for t in MonitoringType
            ],
            "cases_by_state": [
                StateTally(state=s, label=s.label, **_household_tally(self.states[s.value]))
                for s in CaseState
            ],
            "cases_past_limit": self.past_limit,
            "alerts": AlertTally(
                open=sum(o for o, _ in self.alerts.values()),
                overdue=sum(late for _, late in self.alerts.values()),
                by_risk=[
                    RiskTally(
                        risk_code=r,
                        label=r.label,
                        open=self.alerts[r.value][0],
                        overdue=self.alerts[r.value][1],
                    )
                    for r in RiskCode
                ],
            ),
            "visits": VisitTally(**_visit_tally(self.visits)) if self.visits is not None else None,
        }


class _Areas:
    """The area's tally and, below a town or county, one per child area met in the rows."""

    def __init__(self, area: str, child_digits: int | None, with_visits: bool) -> None:
        self.total = _Tally(area, with_visits)
        self.child_digits = child_digits
        self.children: dict[str, _Tally] = {}
        self.with_visits = with_visits

    def of(self, area_code: str) -> list[_Tally]:
        """The tallies a row of ``area_code`` (or of its child-area prefix) counts in."""
        if self.child_digits is None:
            return [self.total]
        return [self.total, self.child(area_code)]

    def child(self, area_code: str) -> _Tally:
        """The tally of the child area that ``area_code`` is in (below a town or county only)."""
        assert self.child_digits is not None
        code = area_code[: self.child_digits].ljust(CODE_LENGTH, "0")
        if code not in self.children:
            self.children[code] = _Tally(code, self.with_visits)
        return self.children[code]


async def _raw_cases_and_alerts(
    session: AsyncSession, scope_prefix: str, area: str, digits: int, day: date, areas: _Areas
) -> None:
    """The reference recount: cases and alerts counted from the area's rows."""
    prefix = prefix_of(area)
    for row in await case_counts(session, scope_prefix, prefix, day, digits):
        for tally in areas.of(row.child):
            tally.add_cases(row)
    limits: dict[tuple[str, int], int] = {}  # per village and year raised, as a case would get
    for row in await open_alert_counts(session, scope_prefix, prefix, day, digits):
        key = (row.area_code, row.raised_on.year)
        if key not in limits:
            limits[key] = await decision_days(session, *key)
        overdue = row.raised_on + timedelta(days=limits[key]) < day
        for tally in areas.of(row.child):
            tally.add_alerts(row.risk_code, row.alerts, overdue)


async def _rolled_up_cases_and_alerts(session: AsyncSession, area: str, day: date, areas: _Areas) -> None:
    """Households by state and type with their registry members, cases past the limit and alerts, all
    from the rollups (``stats.rollups``)."""
    areas.total.add_figures(await figures_of(session, SCHEMA, area, day))
    if areas.child_digits is not None:
        for code, figures in (await figures_of_children(session, SCHEMA, area, day)).items():
            areas.child(code).add_figures(figures)


CadreNames = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, str]]]


def _by_cadre(tallies: dict[uuid.UUID, tuple[str, list[int]]]) -> list[CadreVisitTally]:
    """Most overdue first, then by name."""
    return [
        CadreVisitTally(cadre_id=cadre, cadre_name=name, **_visit_tally(counts))
        for cadre, (name, counts) in sorted(tallies.items(), key=lambda kv: (-kv[1][1][3], kv[1][0], kv[0]))
    ]


def _by_cadre_for(area: str) -> bool:
    """A county has thousands of cadres: its figures go by town, and by cadre from a town down."""
    return level_of(area) != AreaLevel.county


def _stats(areas: _Areas, day: date, by_cadre: list[CadreVisitTally] | None) -> MonitoringStats:
    return MonitoringStats(
        **areas.total.figures(),
        as_of=day,
        visits_by_cadre=by_cadre,
        children=[MonitoringFigures(**areas.children[code].figures()) for code in sorted(areas.children)],
    )


async def monitoring_stats(
    session: AsyncSession, area: str, day: date, cadre_names: CadreNames | None
) -> MonitoringStats:
    """The figures from the rollups, of a county, town or village (``child_digits_of``; one in the
    caller's scope, so everything below it is too). ``cadre_names``:
    the registry's names of the cadres met (None: your role may not read the pairings, so the visits are
    not given). Visits by cadre: below a county only."""
    child_digits = child_digits_of(area)
    areas = _Areas(area, child_digits, with_visits=cadre_names is not None)
    await _rolled_up_cases_and_alerts(session, area, day, areas)
    if cadre_names is None or not _by_cadre_for(area):
        return _stats(areas, day, None)
    counts: dict[uuid.UUID, list[int]] = {}
    for row in await cadre_visit_counts(session, prefix_of(area), day):
        _add_visits(counts.setdefault(row.cadre_id, [0, 0, 0, 0]), row.measure, row.pairings)
    names = await cadre_names(sorted(counts))
    return _stats(areas, day, _by_cadre({c: (names.get(c, str(c)), n) for c, n in counts.items()}))


async def recounted_monitoring_stats(
    session: AsyncSession,
    scope_prefix: str,
    area: str,
    child_digits: int | None,
    day: date,
    pairings: list[dict[str, Any]] | None,
) -> MonitoringStats:
    """The reference the rollups must equal: cases and alerts counted from their rows, visit compliance
    from the registry's ``pairings`` in force on ``day`` (None: not known) and the visits."""
    digits = child_digits or len(prefix_of(area))
    areas = _Areas(area, child_digits, with_visits=pairings is not None)
    await _raw_cases_and_alerts(session, scope_prefix, area, digits, day, areas)
    if pairings is None:
        return _stats(areas, day, None)
    by_cadre: dict[uuid.UUID, tuple[str, list[int]]] = {}
    for check in await check_pairings(session, pairings, day):
        for tally in areas.of(check.area_code):
            tally.add_visit(check)
        _count_visit(by_cadre.setdefault(check.cadre_id, (check.cadre_name, [0, 0, 0, 0]))[1], check)
    return _stats(areas, day, _by_cadre(by_cadre) if _by_cadre_for(area) else None)
