"""The phones' monitoring feed: plans, screening rounds and their households in the caller's area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.database import SessionDep
from services.common.guards import requires
from services.common.pagination import PageCursor
from services.monitoring.phone_feed.schemas import FeedPage
from services.monitoring.phone_feed.service import PhoneFeed

router = APIRouter(prefix="/api/v1/monitoring-feed", tags=["sync"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]


@router.get(
    "/changes",
    response_model=FeedPage,
    responses={
        409: {
            "description": "`sync_restart`: your area or the feed's sources changed; the problem's "
            "`cursor` starts a full download again"
        }
    },
)
async def feed_changes(
    principal: Reader,
    session: SessionDep,
    cursor: PageCursor = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Records per page (at most 1000)")] = 500,
) -> FeedPage:
    """Monitoring's records in your area changed since `cursor` (none: everything): plans (measures),
    screening rounds (those of areas holding yours too) and the rounds' households, with tombstones for
    records that left your area."""
    return await PhoneFeed(session, principal).changes(cursor, limit)
