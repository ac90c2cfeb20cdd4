"""Registry statistics for an area on a date (households and people, by child area and programme),
read from the rollups (``stats.rollups``), never by counting the rows of the area."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import AreaLevel
from services.common.rollups.store import Figures, figures_of, figures_of_children
from services.common.scope import no_area
from services.registry.codes import Programme
from services.registry.stats.repository import area_named, names_of
from services.registry.stats.rollups import SCHEMA
from services.registry.stats.schemas import AreaCounts, ChildCounts, ProgrammeCounts

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
