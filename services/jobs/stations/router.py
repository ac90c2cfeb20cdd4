"""Where projects' relay delivers its station events to jobs (service tokens only; not routed by the
gateway), each taken in once (the inbox) in the request's transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.common.database import SessionDep
from services.common.errors import Forbidden
from services.common.events.inbox import DeliveryReceipt, EventDelivery, take_in
from services.common.events.tokens import calling_service
from services.jobs.shared import SCHEMA
from services.jobs.stations.events import HANDLERS

router = APIRouter(prefix="/internal/v1", include_in_schema=False)


@router.post("/events", response_model=DeliveryReceipt)
async def receive_events(
    body: EventDelivery, caller: Annotated[str, Depends(calling_service)], session: SessionDep
) -> DeliveryReceipt:
    if caller != body.source:
        raise Forbidden(f"The {caller} service delivers only its own events", code="not_your_events")
    return await take_in(session, SCHEMA, body, HANDLERS)
