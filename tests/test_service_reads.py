"""The gateway's read route (gateway/service_reads.py): it takes exactly the reads the catch-all would
have forwarded, never a path of the gateway's own, and answers them as the catch-all did."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.routing import ROUTES, resource_of
from gateway.service_reads import CATCH_ALL, READ_METHODS, ServiceReads


def _own_routes(app: FastAPI) -> list[APIRoute]:
    """The gateway's own API routes, through FastAPI's included routers."""
    found: list[APIRoute] = []
    pending = list(app.router.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)
        if included is not None:
            pending += included.routes
        elif isinstance(route, APIRoute) and route.path != CATCH_ALL:
            found.append(route)
    return found


def test_no_route_of_the_gateway_is_shadowed(system: FastAPI) -> None:
    assert isinstance(system.router.routes[0], ServiceReads)
    own = _own_routes(system)
    assert own, "the walk found the gateway's routes"
    shadowed = [r.path for r in own if resource_of(r.path) in ROUTES and r.methods & READ_METHODS]
    assert shadowed == []


async def test_a_read_is_authenticated_forwarded_and_logged_under_the_catch_all(
    admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/api/v1/areas")).status_code == 401
    assert (await client.get("/api/v1/areas")).headers["content-type"] == "application/problem+json"
    listed = await admin.get("/api/v1/areas", params={"limit": 1}, headers={"X-Request-ID": "read-1"})
    assert listed.status_code == 200 and listed.headers["x-request-id"] == "read-1"
    head = await admin.head("/api/v1/areas")  # the service's own answer: it declares no HEAD
    assert head.status_code == 405 and "GET" in head.headers["allow"]
    metrics = (await admin.get("/metrics")).text
    assert 'route="/api/v1/{path:path}"' in metrics
