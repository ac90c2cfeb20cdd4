"""Training statistics (培训统计) of an area on a date: counts only, for aggregates:read (bureaus too)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.jobs.training.stats.schemas import TrainingStats
from services.jobs.training.stats.service import training_stats

router = APIRouter(prefix="/api/v1/training-stats", tags=["training"])

Reader = Annotated[Principal, requires(Permission.aggregates_read)]  # counts only


@router.get("", response_model=TrainingStats)
async def get_training_stats(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Count as things stood on this date (default today)")
    ] = None,
    course_id: Annotated[uuid.UUID | None, Query(description="Only this course")] = None,
) -> TrainingStats:
    """Enrolled, completed, dropped and placed people of an area by a date, with the placement rate, by
    course, place and child area."""
    return await training_stats(session, area_in_scope(area, principal), as_of or china_today(), course_id)
