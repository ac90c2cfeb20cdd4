"""Projects' station events, taken in once each (the inbox): the station as projects describes it, and
a station-month's revenue allocated to post wages. Event types and payloads are projects' public
contract, repeated here (services share no code)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events.inbox import Handler, IncomingEvent
from services.jobs.stations.repository import StationRepository

REGISTERED = "station.registered"
CHANGED = "station.changed"
REVENUE_ALLOCATED = "station.revenue_allocated"


async def learned(session: AsyncSession, event: IncomingEvent) -> None:
    payload = event.payload
    await StationRepository(session).learn(
        {
            "id": uuid.UUID(payload["station_id"]),
            "asset_id": uuid.UUID(payload["asset_id"]),
            "area_code": payload["area_code"],
            "name": payload["name"],
        }
    )


async def allocated(session: AsyncSession, event: IncomingEvent) -> None:
    payload = event.payload
    await StationRepository(session).allocate(
        {
            "station_id": uuid.UUID(payload["station_id"]),
            "month": date.fromisoformat(payload["month"]),
            "area_code": event.area_code,
            "posts_fen": int(payload["posts_fen"]),
        }
    )


HANDLERS: dict[tuple[str, str], Handler] = {
    ("projects", REGISTERED): learned,
    ("projects", CHANGED): learned,
    ("projects", REVENUE_ALLOCATED): allocated,
}
