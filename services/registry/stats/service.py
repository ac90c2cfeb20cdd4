"""Registry statistics for an area on a date (households and people, by child area and programme),
read from the rollups (``stats.rollups``), never by counting the rows of the area.

People by health, disability and labour ability, and households with a chronically or seriously ill
member (篇5: "残疾、智障丧失劳动能力64人"; "46户贫困户中有长期慢性病或重大疾病患者") are of today's register:
health, disability grade and labour ability are kept as they are now (a correction overwrites them; no
dated history), so ``people_figures`` counts the area's living members in one pass, not the rollups."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import AreaLevel, prefix_of
from services.common.calendar import china_today
from services.common.rollups.store import Figures, figures_of, figures_of_children
from services.common.scope import no_area
from services.registry.codes import Health, LabourAbility, Programme
from services.registry.stats.repository import area_named, names_of, people_counts
from services.registry.stats.rollups import SCHEMA
from services.registry.stats.schemas import (
    AreaCounts,
    ChildCounts,
    HealthCount,
    IllHouseholds,
    LabourCount,
    PeopleChild,
    PeopleFigures,
    ProgrammeCounts,
)

HOUSEHOLDS, PEOPLE = ("households", ""), ("people", "")


async def area_counts(session: AsyncSession, area: str, day: date) -> AreaCounts:
    """The figures of ``area`` (the caller's to see; 404 if no such area is registered) on ``day``."""
    record = await area_named(session, area)
    if record is None:
        raise no_area(area)
    figures = await figures_of(session, SCHEMA, area, day)
    if AreaLevel(record.level) == AreaLevel.village:  # no area below: the village is its own child
        below = {area: figures} if figures.get(HOUSEHOLDS) else {}
    else:
        below = await figures_of_children(session, SCHEMA, area, day)
    names = await names_of(session, list(below))
    return AreaCounts(
        area_code=area,
        as_of=day,
        households=figures.get(HOUSEHOLDS, 0),
        people=figures.get(PEOPLE, 0),
        children=[
            ChildCounts(
                area_code=code, name=names.get(code), households=f.get(HOUSEHOLDS, 0), people=f.get(PEOPLE, 0)
            )
            for code, f in below.items()
            if f.get(HOUSEHOLDS)
        ],
        programmes=_programmes(figures),
    )


def _programmes(figures: Figures) -> list[ProgrammeCounts]:
    return [
        ProgrammeCounts(
            programme=Programme(code),
            label=Programme(code).label,
            households=figures.get(("programme_households", code), 0),
            people=figures.get(("programme_people", code), 0),
        )
        for code in sorted({key for measure, key in figures if measure == "programme_households"})
    ]


CHILD_DIGITS = {AreaLevel.province: 4, AreaLevel.city: 6, AreaLevel.county: 9, AreaLevel.town: 12}


async def people_figures(session: AsyncSession, area: str) -> PeopleFigures:
    """The figures of ``area`` (the caller's to see; 404 if no such area) as registered today."""
    record = await area_named(session, area)
    if record is None:
        raise no_area(area)
    level = AreaLevel(record.level)
    day = china_today()
    rows = await people_counts(session, prefix_of(area), CHILD_DIGITS.get(level, 12), day)
    total: dict[tuple[str, str], int] = defaultdict(int)
    children: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        total[(r.measure, r.key)] += int(r.n)
        children[r.child][(r.measure, r.key)] += int(r.n)
    names = await names_of(session, list(children))
    return PeopleFigures(
        area_code=area,
        as_of=day,
        people=total[("people", "")],
        by_health=[HealthCount(health=h, label=h.label, people=total[("health", h.value)]) for h in Health],
        by_labour_ability=[
            LabourCount(labour_ability=a, label=a.label, people=total[("labour", a.value)])
            for a in LabourAbility
        ],
        labour_ability_unknown=total[("labour", "")],
        by_disability_grade={k: n for (m, k), n in sorted(total.items()) if m == "disability_grade"},
        disabled_unable_to_work=total[("disabled_unable", "")],
        ill_households=IllHouseholds(
            households=total[("ill_households", "")],
            by_programme={p.value: total[("ill_programme", p.value)] for p in Programme},
        ),
        children=[
            PeopleChild(
                area_code=code,
                name=names.get(code),
                people=f[("people", "")],
                unable_to_work=f[("labour", "none")],
                disabled_unable_to_work=f[("disabled_unable", "")],
                ill_households=f[("ill_households", "")],
            )
            for code, f in sorted(children.items())
        ],
    )
