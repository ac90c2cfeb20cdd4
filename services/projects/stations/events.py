"""The stations' events, published in the same transaction as the change (the projects outbox): jobs
learns each station its photovoltaic posts (光伏公益岗位) may name, and what a station-month's revenue
allocated to their wages. Payloads are snapshots: the station as it is now, the month as set now."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events.outbox import publish
from services.projects import SCHEMA
from services.projects.stations.models import Station

REGISTERED = "station.registered"
CHANGED = "station.changed"
REVENUE_ALLOCATED = "station.revenue_allocated"
JOBS_WANTS = frozenset({REGISTERED, CHANGED, REVENUE_ALLOCATED})


async def station_described(session: AsyncSession, station: Station, *, new: bool) -> None:
    await publish(
        session,
        SCHEMA,
        REGISTERED if new else CHANGED,
        area_code=station.area_code,
        subject_id=station.id,
        payload={
            "station_id": str(station.id),
            "name": station.name,
            "area_code": station.area_code,
            "asset_id": str(station.asset_id),
            "capacity_kw": station.capacity_kw,
            "version": station.version,
        },
    )


async def revenue_allocated(session: AsyncSession, station: Station, month: date, posts_fen: int) -> None:
    await publish(
        session,
        SCHEMA,
        REVENUE_ALLOCATED,
        area_code=station.area_code,
        subject_id=station.id,
        payload={"station_id": str(station.id), "month": month.isoformat(), "posts_fen": posts_fen},
    )
