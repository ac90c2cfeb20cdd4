"""Training figures of an area on a date (篇5: 37人报名参加培训, 16人赴武汉等地就业): enrolled,
completed, dropped, placed and the placement rate, for the people of the area."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.text import IsoDate
from services.jobs.posts.stats import visible_area
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.schemas import CourseCounts, PlaceCount, TrainingStats

router = APIRouter(prefix="/api/v1/training-stats", tags=["training"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def training_stats(
    session: AsyncSession, principal: Principal, area: str, day: date, course_id: uuid.UUID | None
) -> TrainingStats:
    repository = TrainingRepository(session)
    prefix = prefix_of(area)
    rows = await repository.counts_by_course(prefix, principal.scope_prefix, day, course_id)
    enrolled, completed, dropped, placed = (sum(r[i] for r in rows) for i in (3, 4, 5, 6))
    places = await repository.placed_by_place(prefix, principal.scope_prefix, day, course_id)
    return TrainingStats(
        area_code=area,
        as_of=day,
        enrolled=enrolled,
        # Completed and dropped people are out of training; the placed completed first.
        in_training=enrolled - completed - dropped,
        completed=completed,
        dropped=dropped,
        placed=placed,
        placement_rate=rate(placed, enrolled),
        placement_rate_of_completed=rate(placed, completed),
        by_place=[PlaceCount(place=place or "", placed=count) for place, count in places],
        by_course=[
            CourseCounts(course_id=c, title=t, skill=s, enrolled=e, completed=done, placed=p)
            for c, t, s, e, done, _, p in rows
        ],
    )


@router.get("", response_model=TrainingStats)
async def get_training_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: Annotated[
        str | None, Query(pattern=r"^[0-9]{12}$", description="County, town or village (default: your area)")
    ] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
    course_id: Annotated[uuid.UUID | None, Query(description="Only this course")] = None,
) -> TrainingStats:
    """Enrolled, completed, dropped and placed people of an area by a date, with the placement rate."""
    return await training_stats(
        session, principal, visible_area(principal, area), as_of or china_today(), course_id
    )
