"""Where the registry's, jobs' and projects' relays deliver events (service tokens only; not routed by
the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.common.database import SessionDep
from services.common.errors import Forbidden
from services.common.events.inbox import DeliveryReceipt, EventDelivery
from services.common.events.tokens import calling_service
from services.monitoring.events.service import take_delivery

router = APIRouter(prefix="/internal/v1", include_in_schema=False)


@router.post("/events", response_model=DeliveryReceipt)
async def receive_events(
    body: EventDelivery, caller: Annotated[str, Depends(calling_service)], session: SessionDep
) -> DeliveryReceipt:
    if caller != body.source:
        raise Forbidden(f"The {caller} service delivers only its own events", code="not_your_events")
    return await take_delivery(session, body)
