"""The registry's event feed: what other services and partner systems react to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep
from services.common.guards import requires
from services.common.pagination import PageCursor
from services.registry.events.schemas import RegistryEvents
from services.registry.events.service import read_events

router = APIRouter(prefix="/api/v1/registry-events", tags=["events"])

Reader = Annotated[Principal, requires(Permission.households_read)]


@router.get("", response_model=RegistryEvents)
async def registry_events(
    principal: Reader,
    session: ReadSessionDep,
    cursor: PageCursor = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page (at most 1000)")] = 500,
) -> RegistryEvents:
    """Household and person events in your area after `cursor` (none: from the beginning), in commit order."""
    return await read_events(session, principal, cursor, limit)
