"""Stations as jobs learns them: projects' events delivered straight to jobs' inbox (as projects' relay
does), so a jobs test names a photovoltaic station without registering its asset in projects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.events.tokens import ServiceTokens


def station_event(kind: str, village: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "area_code": village,
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": payload,
    }


async def deliver_to_jobs(system: FastAPI, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Deliver ``events`` as projects' relay would; jobs' receipt."""
    jobs = system.state.local_apps["jobs"]
    token = ServiceTokens(jobs.state.settings.service_token_secret, "projects").sign("jobs")
    transport = httpx.ASGITransport(app=jobs)
    async with httpx.AsyncClient(transport=transport, base_url="http://jobs") as direct:
        response = await direct.post(
            "/internal/v1/events",
            json={"source": "projects", "events": events},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


async def known_station(system: FastAPI, village: str, name: str = "黄金村1号光伏电站") -> str:
    """A station in ``village`` that jobs knows (registered in projects, as far as jobs can tell)."""
    station_id = str(uuid.uuid4())
    payload = {"station_id": station_id, "name": name, "area_code": village, "asset_id": str(uuid.uuid4())}
    await deliver_to_jobs(system, [station_event("station.registered", village, payload)])
    return station_id


async def allocate(system: FastAPI, station_id: str, village: str, month: str, posts_fen: int) -> None:
    payload = {"station_id": station_id, "month": f"{month}-01", "posts_fen": posts_fen}
    await deliver_to_jobs(system, [station_event("station.revenue_allocated", village, payload)])
