"""The phones' offline sync feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.common.auth import Permission, Principal
from services.common.database import SessionDep
from services.common.guards import requires
from services.common.pagination import PageCursor
from services.registry.households.router import Vault
from services.registry.sync.schemas import SyncChanges
from services.registry.sync.service import SyncService

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

Reader = Annotated[Principal, requires(Permission.households_read)]


@router.get("/changes", response_model=SyncChanges)
async def sync_changes(
    principal: Reader,
    session: SessionDep,
    vault: Vault,
    cursor: PageCursor = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Records per page (at most 1000)")] = 500,
) -> SyncChanges:
    """Households and people in your area changed since `cursor` (none: everything), with tombstones."""
    return await SyncService(session, vault, principal).changes(cursor, limit)
