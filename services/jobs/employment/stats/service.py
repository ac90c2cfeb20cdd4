"""Employment statistics of an area on a date, next to the same date a year earlier (同比).

篇1 reports "882 formerly-poor people working away, higher than last year": the comparison is of the
same date one year before, counted the same way (each person's status in force on that date). Both
dates are read from the rollups (``employment.rollups``), never by counting the area's records;
``employment.recount`` counts the same figures from the raw records, as the reference the tests hold
the rollups to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import MINYEAR, date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.rollups.store import Figures
from services.jobs.employment.codes import (
    AWAY,
    HOUSEHOLD_CATEGORY_LABELS,
    MONITORING_TYPE_LABELS,
    EmploymentStatus,
)
from services.jobs.employment.rollups import (
    AWAY_BY_CATEGORY,
    AWAY_BY_DESTINATION,
    AWAY_BY_TYPE,
    AWAY_NO_DESTINATION,
    PEOPLE,
)
from services.jobs.employment.stats.schemas import (
    CategoryFigure,
    ChildFigures,
    DestinationFigure,
    EmploymentStats,
    Figure,
    StatusFigure,
    TypeFigure,
)
from services.jobs.shared.figures import area_figures, children_figures, keyed


def year_before(day: date) -> date:
    if day.year == MINYEAR:
        return date.min  # nothing is recorded that early anyway
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Tally:
    """The figures of one area on one date, and people and those away in each area one level down."""

    by_status: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    by_destination: Counter[str | None] = field(default_factory=Counter)
    children: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (people, away)

    @property
    def people(self) -> int:
        return sum(self.by_status.values())

    @property
    def away(self) -> int:
        return sum(n for status, n in self.by_status.items() if status in AWAY)


def _tally(figures: Figures, children: dict[str, Figures]) -> Tally:
    people = {code: Counter(keyed(f, PEOPLE)) for code, f in children.items()}
    destinations: Counter[str | None] = Counter(keyed(figures, AWAY_BY_DESTINATION))
    if unrecorded := figures.get((AWAY_NO_DESTINATION, "")):
        destinations[None] = unrecorded
    return Tally(
        by_status=Counter(keyed(figures, PEOPLE)),
        by_category=Counter(keyed(figures, AWAY_BY_CATEGORY)),
        by_type=Counter(keyed(figures, AWAY_BY_TYPE)),
        by_destination=destinations,
        children={
            code: (sum(c.values()), sum(n for s, n in c.items() if s in AWAY))
            for code, c in people.items()
            if sum(c.values())
        },
    )


async def _tally_on(session: AsyncSession, area: str, day: date) -> Tally:
    figures = await area_figures(session, area, day)
    return _tally(figures, await children_figures(session, area, day, figures, village_itself=False))


async def employment_stats(session: AsyncSession, area: str, day: date) -> EmploymentStats:
    """The figures on ``day`` and a year before, from the rollups (the area is the caller's to see)."""
    earlier = year_before(day)
    return compose(
        area, day, earlier, await _tally_on(session, area, day), await _tally_on(session, area, earlier)
    )


def _figure(current: int, previous: int) -> dict[str, int]:
    return {"current": current, "previous": previous, "change": current - previous}


def _keys(*collections: Any) -> list[Any]:
    return sorted({key for c in collections for key in c}, key=lambda k: (k is None, k or ""))


def compose(area: str, day: date, earlier: date, now: Tally, then: Tally) -> EmploymentStats:
    """The answer from the tallies of the two dates (however they were counted)."""
    return EmploymentStats(
        area_code=area,
        as_of=day,
        previous_as_of=earlier,
        people=Figure(**_figure(now.people, then.people)),
        by_status=[
            StatusFigure(status=s, label=s.label, **_figure(now.by_status[s.value], then.by_status[s.value]))
            for s in EmploymentStatus
        ],
        away=Figure(**_figure(now.away, then.away)),
        away_by_household_category=[
            CategoryFigure(
                household_category=c,
                label=HOUSEHOLD_CATEGORY_LABELS.get(c, c),
                **_figure(now.by_category[c], then.by_category[c]),
            )
            for c in _keys(HOUSEHOLD_CATEGORY_LABELS, +now.by_category, +then.by_category)
        ],
        away_by_monitoring_type=[
            TypeFigure(
                monitoring_type=k,
                label=MONITORING_TYPE_LABELS.get(k, k),
                **_figure(now.by_type[k], then.by_type[k]),
            )
            for k in [
                *MONITORING_TYPE_LABELS,
                *sorted((now.by_type | then.by_type).keys() - MONITORING_TYPE_LABELS.keys()),
            ]
        ],
        away_by_destination=[
            DestinationFigure(destination=d, **_figure(now.by_destination[d], then.by_destination[d]))
            for d in _keys(+now.by_destination, +then.by_destination)
        ],
        children=[_child(code, now, then) for code in _keys(now.children, then.children)],
    )


def _child(code: str, now: Tally, then: Tally) -> ChildFigures:
    (people, away), (people_before, away_before) = (
        now.children.get(code, (0, 0)),
        then.children.get(code, (0, 0)),
    )
    return ChildFigures(
        area_code=code,
        people=Figure(**_figure(people, people_before)),
        away=Figure(**_figure(away, away_before)),
    )
