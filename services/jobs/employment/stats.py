"""Employment statistics of an area on a date, next to the same date a year earlier (同比).

篇1 reports "882 formerly-poor people working away, higher than last year": the comparison is of the
same date one year before, counted the same way (each person's status in force on that date).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import MINYEAR, date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import LEVEL_ORDER, NATIONAL_ROOT, PREFIX_LENGTH, level_of, prefix_of
from services.jobs.employment.codes import AWAY, HOUSEHOLD_CATEGORY_LABELS, EmploymentStatus
from services.jobs.employment.repository import status_counts


class Figure(BaseModel):
    current: int = Field(description="On as_of")
    previous: int = Field(description="On the same date a year earlier")
    change: int = Field(description="current − previous")


class StatusFigure(Figure):
    status: EmploymentStatus
    label: str


class CategoryFigure(Figure):
    household_category: str = Field(description="escaped 脱贫户, monitored 监测户, ordinary 一般农户")
    label: str


class DestinationFigure(Figure):
    destination: str | None = Field(
        description="The province's division code (e.g. 420000000000), else the place in words "
        "(abroad); null: not recorded"
    )


class ChildFigures(BaseModel):
    area_code: str
    people: Figure
    away: Figure


class EmploymentStats(BaseModel):
    area_code: str
    as_of: date
    previous_as_of: date = Field(description="The same date a year earlier (29 February: the 28th)")
    people: Figure = Field(description="People with a known status")
    by_status: list[StatusFigure]
    away: Figure = Field(description="Working away (外出务工): the three away_* statuses")
    away_by_household_category: list[CategoryFigure]
    away_by_destination: list[DestinationFigure]
    children: list[ChildFigures] = Field(description="People and those away, for each area one level down")


def year_before(day: date) -> date:
    if day.year == MINYEAR:
        return date.min  # nothing is recorded that early anyway
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def child_digits(area: str) -> int:
    """Digits of the codes one level below ``area`` (a village has none below: its own 12)."""
    if area == NATIONAL_ROOT:
        return PREFIX_LENGTH[LEVEL_ORDER[0]]
    index = LEVEL_ORDER.index(level_of(area))
    return PREFIX_LENGTH[LEVEL_ORDER[min(index + 1, len(LEVEL_ORDER) - 1)]]


class _Tally:
    def __init__(self, rows: Iterable[Any]) -> None:
        self.people = 0
        self.away = 0
        self.by_status: Counter[str] = Counter()
        self.by_category: Counter[str] = Counter()
        self.by_destination: Counter[str | None] = Counter()
        self.children: Counter[tuple[str, bool]] = Counter()
        for row in rows:
            away = row.status in AWAY
            self.people += row.people
            self.by_status[row.status] += row.people
            self.children[(row.child, False)] += row.people
            if away:
                self.away += row.people
                self.by_category[row.household_category] += row.people
                self.by_destination[row.destination] += row.people
                self.children[(row.child, True)] += row.people


def _figure(current: int, previous: int) -> dict[str, int]:
    return {"current": current, "previous": previous, "change": current - previous}


def _keys(*counters: Counter) -> list[Any]:
    return sorted({key for counter in counters for key in counter}, key=lambda k: (k is None, k or ""))


async def employment_stats(session: AsyncSession, scope_prefix: str, area: str, day: date) -> EmploymentStats:
    earlier = year_before(day)
    digits = child_digits(area)
    prefix = prefix_of(area)
    now = _Tally(await status_counts(session, scope_prefix, prefix, day, digits))
    then = _Tally(await status_counts(session, scope_prefix, prefix, earlier, digits))
    children: Sequence[str] = (
        []
        if digits == len(prefix)
        else _keys(Counter(c for c, _ in now.children), Counter(c for c, _ in then.children))
    )
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
            for c in _keys(Counter(HOUSEHOLD_CATEGORY_LABELS), now.by_category, then.by_category)
        ],
        away_by_destination=[
            DestinationFigure(destination=d, **_figure(now.by_destination[d], then.by_destination[d]))
            for d in _keys(now.by_destination, then.by_destination)
        ],
        children=[
            ChildFigures(
                area_code=child.ljust(12, "0"),
                people=Figure(**_figure(now.children[(child, False)], then.children[(child, False)])),
                away=Figure(**_figure(now.children[(child, True)], then.children[(child, True)])),
            )
            for child in children
        ],
    )
