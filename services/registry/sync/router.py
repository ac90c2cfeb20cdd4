"""The phones' offline sync feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.common.auth import Permission, Principal
from services.common.database import SessionDep
from services.common.guards import requires
from services.common.pagination import PageCursor
from services.registry.households.router import Vault
from services.registry.sync.cursor import cursor_key
from services.registry.sync.schemas import SyncChanges
from services.registry.sync.service import SyncService

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

Reader = Annotated[Principal, requires(Permission.households_read)]


@router.get(
    "/changes",
    response_model=SyncChanges,
    responses={
        400: {"description": "`invalid_cursor`: the cursor was altered or is not one this API issued"},
        409: {
            "description": "`sync_restart`: the cursor is older than the horizon, its changes were "
            "compacted, or your area changed; the problem's `cursor` starts a full download again"
        },
    },
)
async def sync_changes(
    request: Request,
    principal: Reader,
    session: SessionDep,
    vault: Vault,
    cursor: PageCursor = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Records per page (at most 1000)")] = 500,
) -> SyncChanges:
    """Households and people in your area changed since `cursor` (none: everything), with tombstones
    that say why a record left (deleted, moved out, merged away, deceased)."""
    settings = request.app.state.settings
    key = cursor_key(settings.national_id_key)  # present: without it the Vault answered 503
    service = SyncService(session, vault, principal, key, settings.sync_horizon_days)
    return await service.changes(cursor, limit)
