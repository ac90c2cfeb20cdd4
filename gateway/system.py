"""System status for operators: is every part up, ready and at the latest schema."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel

from gateway.identity.context import allowed
from services.common.auth import Permission, Principal
from services.common.health import readiness_checks

router = APIRouter(prefix="/api/v1/system", tags=["system"])
Operator = Annotated[Principal, allowed(Permission.system_status)]


class PartStatus(BaseModel):
    ready: bool
    checks: dict[str, Any]


class SystemStatus(BaseModel):
    ready: bool
    version: str
    parts: dict[str, PartStatus]


async def _part_status(name: str, client: httpx.AsyncClient) -> tuple[str, PartStatus]:
    try:
        response = await client.get("/readyz", timeout=3)
        body = response.json()
        return name, PartStatus(ready=response.status_code == 200, checks=body.get("checks", {}))
    except (httpx.HTTPError, ValueError) as exc:
        return name, PartStatus(ready=False, checks={"reachable": type(exc).__name__})


@router.get("/status", response_model=SystemStatus)
async def system_status(request: Request, principal: Operator) -> SystemStatus:
    """Readiness of the gateway and of every service it routes to."""
    own = await readiness_checks(request.app.state, include_extra=False)
    parts = {"gateway": PartStatus(ready=all(v == "ok" for v in own.values()), checks=own)}
    upstreams = request.app.state.upstreams
    results = await asyncio.gather(*(_part_status(name, u.client) for name, u in upstreams.items()))
    parts.update(dict(results))
    return SystemStatus(ready=all(p.ready for p in parts.values()), version=request.app.version, parts=parts)
