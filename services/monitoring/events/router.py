"""Where the registry's and jobs' relays deliver events (service tokens only; not routed by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import text

from services.common.database import SessionDep
from services.common.errors import Forbidden
from services.common.events.inbox import DeliveryReceipt, EventDelivery, take_in
from services.common.events.tokens import calling_service
from services.common.rollups.ddl import defer_statements, flush_sql
from services.monitoring.events.service import HANDLERS
from services.monitoring.models import SCHEMA

router = APIRouter(prefix="/internal/v1", include_in_schema=False)


@router.post("/events", response_model=DeliveryReceipt)
async def receive_events(
    body: EventDelivery, caller: Annotated[str, Depends(calling_service)], session: SessionDep
) -> DeliveryReceipt:
    if caller != body.source:
        raise Forbidden(f"The {caller} service delivers only its own events", code="not_your_events")
    # A batch's rollup subjects (pairings, alerts) are counted once at its end, not once per event.
    for statement in defer_statements(SCHEMA):
        await session.execute(text(statement))
    receipt = await take_in(session, SCHEMA, body, HANDLERS)
    await session.execute(text(flush_sql(SCHEMA)))
    return receipt
