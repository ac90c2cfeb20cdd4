"""The employment figures counted from the raw records (each person's record in force on the date): the
reference the rollups must equal. Tests compare the two on many dates; requests never count this way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.jobs.employment.codes import AWAY
from services.jobs.employment.repository import recount_status_counts
from services.jobs.employment.stats.schemas import EmploymentStats
from services.jobs.employment.stats.service import Tally, compose, year_before
from services.jobs.shared.figures import child_digits


def _tally(rows: Iterable[Any], with_children: bool) -> Tally:
    tally = Tally()
    children: Counter[tuple[str, bool]] = Counter()
    for row in rows:
        tally.by_status[row.status] += row.people
        children[(row.child, False)] += row.people
        if row.status in AWAY:
            tally.by_category[row.household_category] += row.people
            tally.by_type[row.kind] += row.people
            tally.by_destination[row.destination] += row.people
            children[(row.child, True)] += row.people
    if with_children:
        tally.children = {
            child.ljust(12, "0"): (n, children[(child, True)])
            for (child, away), n in children.items()
            if not away
        }
    return tally


async def recounted_employment_stats(
    session: AsyncSession, scope_prefix: str, area: str, day: date
) -> EmploymentStats:
    """What ``stats.employment_stats`` answers, counted from the raw records of the area."""
    earlier = year_before(day)
    digits = child_digits(area)
    prefix = prefix_of(area)
    with_children = digits != len(prefix)
    now = _tally(await recount_status_counts(session, scope_prefix, prefix, day, digits), with_children)
    then = _tally(await recount_status_counts(session, scope_prefix, prefix, earlier, digits), with_children)
    return compose(area, day, earlier, now, then)
