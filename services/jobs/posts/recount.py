"""The post figures counted from the raw rows (posts in force and assignments held on the date): the
reference the rollups must equal. Tests compare the two on many dates; requests never count this way."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village, prefix_of
from services.jobs.posts.repository import PostRepository
from services.jobs.posts.stats.schemas import PostStats
from services.jobs.posts.stats.service import PostTally, compose, station_months
from services.jobs.shared.figures import child_digits


async def recounted_post_stats(session: AsyncSession, scope_prefix: str, area: str, day: date) -> PostStats:
    """What ``stats.post_stats`` answers, counted from the raw rows of the area."""
    repository = PostRepository(session)
    prefix, digits = prefix_of(area), child_digits(area)
    tally = PostTally()

    def child(code: str) -> list[int] | None:
        code = code.ljust(12, "0")
        if code == area and not is_village(area):
            return None  # an area's own posts are in none of its children
        return tally.children.setdefault(code, [0, 0, 0])

    for code, source, kind, posts, places in await repository.recount_places_by_kind(
        prefix, scope_prefix, day, digits
    ):
        tally.add(source, kind, 0, posts)
        tally.add(source, kind, 1, places)
        if (counts := child(code)) is not None:
            counts[0] += posts
            counts[1] += places
    for code, source, kind, filled in await repository.recount_filled_by_kind(
        prefix, scope_prefix, day, digits
    ):
        tally.add(source, kind, 2, filled)
        if (counts := child(code)) is not None:
            counts[2] += filled
    stats = compose(area, day, tally)
    stats.stations = await station_months(session, area, day)  # read live by the endpoint too
    return stats
