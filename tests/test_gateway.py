"""The gateway: request ids across the hop, merged OpenAPI, and what happens when a service fails."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
from fastapi import FastAPI

from gateway.openapi import merge_documents
from tests.support.system import Database, Keys, gateway_with


async def test_request_id_is_set_echoed_and_passed_on(admin: httpx.AsyncClient) -> None:
    response = await admin.get("/api/v1/areas", headers={"X-Request-ID": "phone-42-abc"})
    assert response.headers["x-request-id"] == "phone-42-abc"
    fresh = await admin.get("/api/v1/areas")
    assert len(fresh.headers["x-request-id"]) == 32
    unsafe = await admin.get("/api/v1/areas", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_merged_openapi_lists_the_areas_endpoints(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    assert {"/api/v1/areas", "/api/v1/areas/{code}", "/api/v1/areas/{code}/children"} <= set(
        document["paths"]
    )
    assert "Problem" in document["components"]["schemas"]
    assert "x-fangpin-missing-services" not in document
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/openapi.json" in docs.text


def test_merge_renames_clashing_schemas_and_their_references() -> None:
    base = {"paths": {}, "components": {"schemas": {"Item": {"type": "string"}}}}
    part = {
        "paths": {
            "/api/v1/things": {
                "get": {"responses": {"200": {"schema": {"$ref": "#/components/schemas/Item"}}}}
            },
            "/healthz": {"get": {}},
        },
        "components": {"schemas": {"Item": {"type": "integer"}}},
    }
    merged = merge_documents(base, {"jobs": part})
    assert merged["components"]["schemas"]["JobsItem"] == {"type": "integer"}
    assert merged["components"]["schemas"]["Item"] == {"type": "string"}
    ref = merged["paths"]["/api/v1/things"]["get"]["responses"]["200"]["schema"]["$ref"]
    assert ref == "#/components/schemas/JobsItem"
    assert "/healthz" not in merged["paths"]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slow_service(delay_s: float) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/areas")
    async def slow() -> dict:
        await asyncio.sleep(delay_s)
        return {}

    return app


async def test_service_down_is_503_problem_quickly(clean_database: Database, keys: Keys) -> None:
    stand_ins = {"monitoring": FastAPI(), "jobs": FastAPI()}
    down = f"http://127.0.0.1:{unused_port()}"
    async with gateway_with(clean_database, keys, stand_ins, registry_url=down, upstream_timeout_s=5) as (
        client,
        auth,
    ):
        started = time.perf_counter()
        response = await client.get("/api/v1/areas", headers=auth)
        elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_unavailable"
    assert response.headers["retry-after"]
    assert elapsed < 2


async def test_slow_service_is_504_within_the_timeout(clean_database: Database, keys: Keys) -> None:
    stand_ins = {"registry": slow_service(5), "monitoring": FastAPI(), "jobs": FastAPI()}
    async with gateway_with(clean_database, keys, stand_ins, upstream_timeout_s=0.3) as (client, auth):
        started = time.perf_counter()
        response = await client.get("/api/v1/areas", headers=auth)
        elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert response.json()["code"] == "upstream_timeout"
    assert elapsed < 1.5


async def test_openapi_says_which_service_is_missing(clean_database: Database, keys: Keys) -> None:
    stand_ins = {"monitoring": FastAPI(), "jobs": FastAPI()}
    down = f"http://127.0.0.1:{unused_port()}"
    async with gateway_with(clean_database, keys, stand_ins, registry_url=down) as (client, _):
        document = (await client.get("/api/v1/openapi.json")).json()
    assert document["x-fangpin-missing-services"] == ["registry"]


def test_a_transport_race_is_told_apart_from_our_own_bugs() -> None:
    """httpcore/anyio may raise AttributeError on a socket a dying service closed: that is the service
    going away (503), while an AttributeError anywhere else is a bug and stays one."""
    from gateway.proxy import _raised_in_transport

    def raised_in(filename: str) -> AttributeError:
        try:
            exec(compile("None.getpeername()", filename, "exec"))  # noqa: S102 - a frame from that file
        except AttributeError as exc:
            return exc
        raise AssertionError("expected an AttributeError")

    assert _raised_in_transport(raised_in("/venv/site-packages/anyio/abc/_sockets.py"))
    assert _raised_in_transport(raised_in("/venv/site-packages/httpcore/_async/connection.py"))
    assert not _raised_in_transport(raised_in("/work/main/gateway/proxy.py"))
