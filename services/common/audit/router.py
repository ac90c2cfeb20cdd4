"""The service side of the audit: the gateway asks each part to verify and list its own chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.common.audit.store import AuditFilters, AuditStore
from services.common.auth import Permission, Principal
from services.common.errors import ServiceUnavailable
from services.common.guards import requires
from services.common.pagination import MAX_PAGE_SIZE
from services.common.text import IsoDateTime

INTERNAL_PREFIX = "/internal/audit"
Auditor = Annotated[Principal, requires(Permission.audit_read)]


def _store(request: Request) -> AuditStore:
    store: AuditStore | None = getattr(request.app.state, "audit_store", None)
    if store is None:
        raise ServiceUnavailable("This part keeps no audit log")
    return store


def internal_audit_router() -> APIRouter:
    router = APIRouter(prefix=INTERNAL_PREFIX, include_in_schema=False)

    @router.get("/verify")
    async def verify(request: Request, principal: Auditor) -> dict[str, Any]:
        store = _store(request)
        async with request.app.state.database.engine.connect() as conn:
            return await store.verify(conn)

    @router.get("/events")
    async def events(
        request: Request,
        principal: Auditor,
        filters: Annotated[AuditFilters, Query()],
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        before_at: IsoDateTime | None = None,
        before_chain: Annotated[str | None, Query(max_length=20)] = None,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        before = (before_at, before_chain, before_id) if before_at and before_chain and before_id else None
        async with request.app.state.database.engine.connect() as conn:
            return await _store(request).events(
                conn, scope_prefix=principal.scope_prefix, limit=limit, filters=filters, before=before
            )

    return router
