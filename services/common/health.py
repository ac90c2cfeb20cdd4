"""Liveness (/healthz: the process answers) and readiness (/readyz: database reachable, schema at head, its
sql layer applied)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.common.errors import PROBLEM_CONTENT_TYPE, ServiceUnavailable

READINESS_TIMEOUT_S = 3.0


def health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        checks = await readiness_checks(request.app.state)
        ready = all(c == "ok" for c in checks.values())
        if ready:
            return JSONResponse({"status": "ready", "checks": checks})
        problem = ServiceUnavailable(
            "Not ready: " + ", ".join(f"{k} {v}" for k, v in checks.items() if v != "ok")
        )
        body = problem.to_problem("/readyz") | {"checks": checks}
        return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)

    return router


async def readiness_checks(state: Any, include_extra: bool = True) -> dict[str, str]:
    checks: dict[str, str] = {}
    if getattr(state, "draining", False):
        checks["lifecycle"] = "draining"
    database = getattr(state, "database", None)
    migrations = getattr(state, "migrations", None)
    if database is not None:
        try:
            await asyncio.wait_for(database.ping(), READINESS_TIMEOUT_S)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"unreachable ({type(exc).__name__})"
        if migrations is not None and checks["database"] == "ok":
            # "behind head", or "sql layer not applied": the functions are not the ones this code ships.
            checks["migrations"] = await migrations.status(database.engine)
    for name, check in (getattr(state, "extra_readiness", {}) if include_extra else {}).items():
        checks[name] = await check()
    return checks
