"""Presence figures of an area on a date: counts for aggregates:read; each member's for oversight:read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep
from services.common.errors import ValidationFailed
from services.common.guards import requires
from services.common.scope import OptionalAreaQuery, area_in_scope
from services.common.text import IsoDate
from services.oversight.stats.schemas import PresenceList, PresenceStats
from services.oversight.stats.service import presence_of_members, presence_stats

router = APIRouter(prefix="/api/v1", tags=["oversight"])

Aggregates = Annotated[Principal, requires(Permission.aggregates_read)]
Reader = Annotated[Principal, requires(Permission.oversight_read)]
AsOf = Annotated[IsoDate | None, Query(description="As things stood on this date (default today)")]
BehindOnly = Annotated[bool, Query(description="Only the members who will fall short")]


@router.get("/oversight-stats", response_model=PresenceStats)
async def get_oversight_stats(
    principal: Aggregates,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: AsOf = None,
    since: Annotated[
        IsoDate | None, Query(description="Sessions held from this date (default: as_of's year's start)")
    ] = None,
) -> PresenceStats:
    """Days in the village this year by duty against the targets, and how many members will fall short;
    study, training and publicity sessions and their 人次 by kind and audience."""
    day = as_of or china_today()
    if since is not None and since > day:
        raise ValidationFailed.field(["query", "since"], "since is after as_of", "since_after_as_of")
    return await presence_stats(session, area_in_scope(area, principal), day, since)


@router.get("/presence", response_model=PresenceList)
async def get_presence(
    principal: Reader,
    session: ReadSessionDep,
    area: OptionalAreaQuery = None,
    as_of: AsOf = None,
    behind: BehindOnly = False,
) -> PresenceList:
    """Each member's days in the village this year, the target, the projection to the year's end and
    the shortfall."""
    code, day = area_in_scope(area, principal), as_of or china_today()
    items = await presence_of_members(session, code, day)
    return PresenceList(
        area_code=code, as_of=day, year=day.year, items=[m for m in items if m.behind or not behind]
    )
