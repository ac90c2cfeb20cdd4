"""Public-welfare post figures of an area on a date (篇1: 公益岗233个 = 光伏199 + 人社7 + 林业17 +
乡村综合财力10): posts in force, their places and the places held, by funding source and by type, and
for each area one level down. Read from the rollups (``posts.rollups``), never by counting the area's
posts; ``posts.recount`` counts the same from the raw rows, as the reference the tests hold them to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.rollups.store import Figures
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.jobs.posts.rollups import BY_SOURCE, BY_TYPE, FILLED, PLACES, POSTS
from services.jobs.posts.schemas import (
    ChildPlaceCounts,
    FundingSource,
    PostStats,
    PostType,
    SourceCounts,
    TypeCounts,
)
from services.jobs.shared.figures import area_figures, children_figures, keyed

router = APIRouter(prefix="/api/v1/welfare-post-stats", tags=["public-welfare posts"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only
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
    return compose(area, day, _tally(figures, children))


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


@router.get("", response_model=PostStats)
async def welfare_post_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
) -> PostStats:
    """Posts in force in an area on a date, their places and the places held, by funding source, type
    and child area."""
    return await post_stats(session, area_in_scope(area, principal), as_of or china_today())
