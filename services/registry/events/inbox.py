"""Where monitoring's relay delivers its events to the registry (service tokens only; not routed by the
gateway): a case enrolled and its risk eliminated become the household's 监测户 programme period
(``programmes.monitored``), each event taken in once (the inbox) in the request's transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.common.database import SessionDep
from services.common.errors import Forbidden
from services.common.events.inbox import DeliveryReceipt, EventDelivery, Handler, take_in
from services.common.events.tokens import calling_service
from services.registry.models import SCHEMA
from services.registry.programmes import monitored

router = APIRouter(prefix="/internal/v1", include_in_schema=False)

# Event types are monitoring's public contract, repeated here (services share no code).
HANDLERS: dict[tuple[str, str], Handler] = {
    ("monitoring", "case.enrolled"): monitored.enrolled,
    ("monitoring", "case.eliminated"): monitored.eliminated,
}


@router.post("/events", response_model=DeliveryReceipt)
async def receive_events(
    body: EventDelivery, caller: Annotated[str, Depends(calling_service)], session: SessionDep
) -> DeliveryReceipt:
    if caller != body.source:
        raise Forbidden(f"The {caller} service delivers only its own events", code="not_your_events")
    return await take_in(session, SCHEMA, body, HANDLERS)
