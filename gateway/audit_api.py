"""The audit log as auditors see it: every part's chain, verified and listed together."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.identity.context import allowed, identity_of
from gateway.routing import SERVICES
from services.common.audit.router import INTERNAL_PREFIX
from services.common.audit.store import AuditFilters
from services.common.auth import Permission, Principal
from services.common.errors import ServiceUnavailable, ValidationFailed
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    encode_cursor,
)

logger = logging.getLogger("fangpin.gateway")
router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, allowed(Permission.audit_read)]


class BrokenLink(BaseModel):
    id: int
    reason: str


class ChainReport(BaseModel):
    chain: str = Field(
        description="The part whose chain this is: gateway, registry, monitoring, jobs, projects or oversight"
    )
    ok: bool
    records_checked: int
    first_broken: BrokenLink | None = None
    head: dict[str, Any] | None = Field(
        default=None, description="Last record's id and hash, to anchor elsewhere"
    )


class VerifyReport(BaseModel):
    ok: bool
    first_broken: dict[str, Any] | None = Field(description="The first broken link over all chains, if any")
    chains: list[ChainReport]


class AuditEvent(BaseModel):
    chain: str
    id: int
    occurred_at: datetime
    request_id: str | None
    actor_id: str | None
    actor_name: str | None
    actor_kind: str | None
    actor_role: str | None
    actor_scope: str | None
    address: str | None
    client: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    area_code: str | None
    changes: str | None = Field(description="JSON {field: [old, new]}")
    outcome: str
    status: int | None


class AuditPage(BaseModel):
    items: list[AuditEvent]
    next_cursor: str | None


async def _ask_services(
    request: Request, principal: Principal, path: str, params: dict[str, Any]
) -> dict[str, Any]:
    identity = identity_of(request)
    upstreams = request.app.state.upstreams

    async def ask(name: str) -> Any:
        token = identity.signer.sign(principal, audience=name)
        try:
            response = await upstreams[name].client.get(
                f"{INTERNAL_PREFIX}/{path}", params=params, headers={"authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning("audit %s from %s failed: %s", path, name, exc)
            raise ServiceUnavailable(
                f"The {name} service could not be asked for its audit log", service=name
            ) from exc
        return response.json()

    results = await asyncio.gather(*(ask(name) for name in SERVICES))
    return dict(zip(SERVICES, results, strict=True))


@router.get("/verify", response_model=VerifyReport)
async def verify_audit(request: Request, principal: Auditor) -> VerifyReport:
    """Recompute every part's hash chain and report the first broken link (a changed or removed record)."""
    store = request.app.state.audit_store
    async with request.app.state.database.engine.connect() as conn:
        reports = [await store.verify(conn)]
    reports += list((await _ask_services(request, principal, "verify", {})).values())
    broken = next(({"chain": r["chain"], **r["first_broken"]} for r in reports if r["first_broken"]), None)
    return VerifyReport(ok=broken is None, first_broken=broken, chains=[ChainReport(**r) for r in reports])


@router.get("/events", response_model=AuditPage)
async def list_audit_events(
    request: Request,
    principal: Auditor,
    filters: Annotated[AuditFilters, Query()],
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> AuditPage:
    """Audit records of your area, newest first, by actor, resource, action, outcome and time."""
    before = _before(cursor)
    store = request.app.state.audit_store
    async with request.app.state.database.engine.connect() as conn:
        rows = await store.events(
            conn, scope_prefix=principal.scope_prefix, limit=limit, filters=filters, before=before
        )
    params = filters.model_dump(mode="json", exclude_none=True) | {"limit": limit}
    if before is not None:
        params |= {"before_at": before[0].isoformat(), "before_chain": before[1], "before_id": before[2]}
    for service_rows in (await _ask_services(request, principal, "events", params)).values():
        rows += service_rows
    events = [AuditEvent(**r) for r in rows]
    events.sort(key=lambda e: (e.occurred_at, e.chain, e.id), reverse=True)
    page = events[:limit]
    next_cursor = None
    if len(events) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor({"at": last.occurred_at.isoformat(), "chain": last.chain, "id": last.id})
    return AuditPage(items=page, next_cursor=next_cursor)


def _before(cursor: str | None) -> tuple[datetime, str, int] | None:
    decoded = decode_cursor(cursor)
    if decoded is None:
        return None
    try:
        at = datetime.fromisoformat(cursor_field(decoded, "at", str))
    except ValueError as exc:
        raise ValidationFailed.field(
            ["query", "cursor"], "The cursor is not one this API issued", "bad_cursor"
        ) from exc
    return at, cursor_field(decoded, "chain", str), cursor_field(decoded, "id", int)
