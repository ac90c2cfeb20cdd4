"""Public-welfare post figures of an area on a date (篇1: 公益岗233个 = 光伏199 + 人社7 + 林业17 +
乡村综合财力10): posts in force, their places and the places held, by funding source and by type."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_valid_scope, prefix_of
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.errors import NotFound
from services.common.guards import requires
from services.common.text import IsoDate
from services.jobs.posts.repository import PostRepository
from services.jobs.posts.schemas import FundingSource, PostStats, PostType, SourceCounts, TypeCounts

router = APIRouter(prefix="/api/v1/welfare-post-stats", tags=["public-welfare posts"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


def visible_area(principal: Principal, area: str | None) -> str:
    """The area asked for, which must lie in the caller's scope (else 404, like a missing one)."""
    code = area or principal.scope
    if not is_valid_scope(code) or not principal.covers(code):
        raise NotFound(f"No area {code}", code="area_not_found")
    return code


async def post_stats(session: AsyncSession, principal: Principal, area: str, day: date) -> PostStats:
    repository = PostRepository(session)
    prefix = prefix_of(area)
    sources = {s: [0, 0, 0] for s in FundingSource}  # posts, places, filled
    types = {t: [0, 0, 0] for t in PostType}
    for source, kind, posts, places in await repository.places_by_kind(prefix, principal.scope_prefix, day):
        for counts in (sources[FundingSource(source)], types[PostType(kind)]):
            counts[0] += posts
            counts[1] += places
    for source, kind, filled in await repository.filled_by_kind(prefix, principal.scope_prefix, day):
        sources[FundingSource(source)][2] += filled
        types[PostType(kind)][2] += filled
    posts, places, filled = (sum(c[i] for c in sources.values()) for i in range(3))
    return PostStats(
        area_code=area,
        as_of=day,
        posts=posts,
        places=places,
        filled=filled,
        open=places - filled,
        by_funding_source=[
            SourceCounts(funding_source=s, label=s.label, posts=c[0], places=c[1], filled=c[2])
            for s, c in sources.items()
        ],
        by_type=[
            TypeCounts(type=t, label=t.label, posts=c[0], places=c[1], filled=c[2]) for t, c in types.items()
        ],
    )


@router.get("", response_model=PostStats)
async def welfare_post_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: Annotated[
        str | None, Query(pattern=r"^[0-9]{12}$", description="County, town or village (default: your area)")
    ] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
) -> PostStats:
    """Posts in force in an area on a date, their places and the places held, by funding source and type."""
    return await post_stats(session, principal, visible_area(principal, area), as_of or china_today())
