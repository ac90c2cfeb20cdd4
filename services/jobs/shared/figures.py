"""Reading the jobs rollups for an area: its own figures and those of each area one level down."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import LEVEL_ORDER, NATIONAL_ROOT, PREFIX_LENGTH, is_village, level_of
from services.common.rollups.store import Figures, figures_of, figures_of_children
from services.jobs.shared import SCHEMA


async def area_figures(session: AsyncSession, area: str, day: date) -> Figures:
    return await figures_of(session, SCHEMA, area, day)


async def children_figures(
    session: AsyncSession, area: str, day: date, figures: Figures, *, village_itself: bool
) -> dict[str, Figures]:
    """The figures of each area one level down that has any (``figures``: the area's own, read
    already). A village has none below: with ``village_itself`` it is its own only child."""
    if is_village(area):
        return {area: figures} if village_itself and figures else {}
    return await figures_of_children(session, SCHEMA, area, day)


def keyed(figures: Figures, measure: str) -> dict[str, int]:
    """One measure's figures by key."""
    return {key: n for (m, key), n in figures.items() if m == measure}


def child_digits(area: str) -> int:
    """Digits of the codes one level below ``area`` (a village has none below: its own 12); the raw
    recounts group by them."""
    if area == NATIONAL_ROOT:
        return PREFIX_LENGTH[LEVEL_ORDER[0]]
    index = LEVEL_ORDER.index(level_of(area))
    return PREFIX_LENGTH[LEVEL_ORDER[min(index + 1, len(LEVEL_ORDER) - 1)]]
