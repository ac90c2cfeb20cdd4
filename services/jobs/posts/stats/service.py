"""Public-welfare post figures of an area on a date (篇1: 公益岗233个 = 光伏199 + 人社7 + 林业17 +
乡村综合财力10): posts in force, their places and the places held, by funding source and by type, and
for each area one level down. Read from the rollups (``posts.rollups``), never by counting the area's
posts; ``posts.recount`` counts the same from the raw rows, as the reference the tests hold them to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.rollups.store import Figures
from services.jobs.posts.rollups import BY_SOURCE, BY_TYPE, FILLED, PLACES, POSTS
from services.jobs.posts.schemas import FundingSource, PostType
from services.jobs.posts.stats.schemas import (
    ChildPlaceCounts,
    PostStats,
    SourceCounts,
    StationMonth,
    TypeCounts,
)
from services.jobs.shared.figures import area_figures, children_figures, keyed
from services.jobs.stations.repository import StationRepository

WHAT = (POSTS, PLACES, FILLED)


def _counts() -> list[int]:
    return [0, 0, 0]  # posts, places, filled


@dataclass
class PostTally:
    """The counts of one area on one date, by source, by type and by child area."""

    sources: dict[FundingSource, list[int]] = field(
        default_factory=lambda: {s: _counts() for s in FundingSource}
    )
    types: dict[PostType, list[int]] = field(default_factory=lambda: {t: _counts() for t in PostType})
    children: dict[str, list[int]] = field(default_factory=dict)

    def add(self, source: str, kind: str, what: int, n: int) -> None:
        self.sources[FundingSource(source)][what] += n
        self.types[PostType(kind)][what] += n


def _tally(figures: Figures, children: dict[str, Figures]) -> PostTally:
    tally = PostTally()
    for i, what in enumerate(WHAT):
        for source, n in keyed(figures, what + BY_SOURCE).items():
            tally.sources[FundingSource(source)][i] += n
        for kind, n in keyed(figures, what + BY_TYPE).items():
            tally.types[PostType(kind)][i] += n
    for code, f in children.items():
        counts = [sum(keyed(f, what + BY_SOURCE).values()) for what in WHAT]
        if counts[0]:
            tally.children[code] = counts
    return tally


async def post_stats(session: AsyncSession, area: str, day: date) -> PostStats:
    """The figures on ``day`` from the rollups (the area is the caller's to see)."""
    figures = await area_figures(session, area, day)
    children = await children_figures(session, area, day, figures, village_itself=True)
    stats = compose(area, day, _tally(figures, children))
    stats.stations = await station_months(session, area, day)
    return stats


async def station_months(session: AsyncSession, area: str, day: date) -> list[StationMonth]:
    """The area's stations: their posts' planned subsidies on ``day`` against the month's allocation to
    post wages (read live: a town has ten stations, not thousands)."""
    return [
        StationMonth(
            station_id=row.id,
            name=row.name,
            area_code=row.area_code,
            month=f"{day:%Y-%m}",
            held=row.held,
            planned_fen=row.planned_fen,
            allocated_fen=row.allocated_fen,
            over_allocation=row.planned_fen > (row.allocated_fen or 0),
        )
        for row in await StationRepository(session).planned_against_allocated(prefix_of(area), day)
    ]


def compose(area: str, day: date, tally: PostTally) -> PostStats:
    """The answer from a tally (however it was counted)."""
    posts, places, filled = (sum(c[i] for c in tally.sources.values()) for i in range(3))
    return PostStats(
        area_code=area,
        as_of=day,
        posts=posts,
        places=places,
        filled=filled,
        open=places - filled,
        by_funding_source=[
            SourceCounts(funding_source=s, label=s.label, posts=c[0], places=c[1], filled=c[2])
            for s, c in tally.sources.items()
        ],
        by_type=[
            TypeCounts(type=t, label=t.label, posts=c[0], places=c[1], filled=c[2])
            for t, c in tally.types.items()
        ],
        children=[
            ChildPlaceCounts(area_code=code, posts=c[0], places=c[1], filled=c[2], open=c[1] - c[2])
            for code, c in sorted(tally.children.items())
        ],
    )
