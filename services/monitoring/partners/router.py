"""Partner feeds (部门数据比对): bureau systems push records; matches raise alerts before anyone asks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import SessionDep
from services.common.guards import requires
from services.common.peers import call_peer
from services.monitoring.partners.schemas import FeedKind, PartnerBatch, PartnerBatchResult
from services.monitoring.partners.service import PartnerIntake

router = APIRouter(prefix="/api/v1/partner-feeds", tags=["partner feeds"])

Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]


@router.post("/{kind}/batch", response_model=PartnerBatchResult)
async def push_partner_records(
    kind: Annotated[FeedKind, Path(description=FeedKind.describe())],
    body: PartnerBatch,
    principal: Pusher,
    session: SessionDep,
    request: Request,
) -> PartnerBatchResult:
    """Up to 1,000 records, matched by ID number in your area; each answered alone: created, duplicate
    (the same record id again: no effect), conflict, unknown_id or invalid."""

    async def resolve(numbers: list[str]) -> list[dict[str, Any] | None]:
        answer = await call_peer(
            request,
            request.app.state.registry_peer,
            "registry",
            "/internal/v1/people/resolve",
            {"national_ids": numbers},
        )
        return answer["matches"]

    result = await PartnerIntake(session, resolve).take(kind, body.records, principal)
    audit_trail(session).record(
        f"partner_feed.{kind.value}",
        "partner_feed",
        None,
        area_code=principal.scope,
        changes={
            "created": result.created,
            "duplicates": result.duplicates,
            "unknown_ids": result.unknown_ids,
        },
    )
    return result
