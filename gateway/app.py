"""The gateway: one public API in front of the services: identity, routing, audit, merged OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.middleware import Middleware

from gateway import audit_api, system
from gateway.compression import CompressionMiddleware
from gateway.idempotency.declared import DeclaredWrites
from gateway.idempotency.service import IdempotencyKeys
from gateway.identity import admin_router, auth_router
from gateway.identity.context import build_identity, caller, identity_of
from gateway.identity.rescoping import follow_merges, start_following_merges, stop_following_merges
from gateway.models import SCHEMA
from gateway.openapi import MergedOpenAPI, with_security
from gateway.proxy import forward, service_for
from gateway.reports.router import router as reports_router
from gateway.request_decoding import RequestDecodingMiddleware
from gateway.routing import API_PREFIX, SERVICES, audiences
from gateway.service_reads import ServiceReads
from gateway.settings import GatewaySettings
from gateway.upstreams import Upstream, build_upstream
from services.common import sql_layer
from services.common.app_factory import create_part_app
from services.common.audit.requests import record_denial
from services.common.audit.trail import WRITE_METHODS
from services.common.auth import Principal
from services.common.docs import add_docs
from services.common.errors import Unauthorized
from services.common.health import readiness_checks
from services.common.middleware import RequestContextMiddleware
from services.common.migrations import Migrations
from services.common.tracing import trace_client

logger = logging.getLogger("fangpin.gateway")
MIGRATIONS = Migrations(
    schema=SCHEMA, directory=Path(__file__).parent / "migrations", shared_sql=(sql_layer.AUDIT_LOG,)
)
# Every method goes to the owning service, which answers 405 with its exact Allow for those it lacks.
PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
StartupTask = Callable[[FastAPI], Awaitable[None]]


def create_app(
    settings: GatewaySettings | None = None,
    local_apps: dict[str, FastAPI] | None = None,
    startup_tasks: Sequence[StartupTask] = (),
) -> FastAPI:
    """``local_apps`` are services served in this process; ``startup_tasks`` run once all are up."""
    settings = settings or GatewaySettings()
    local_apps = local_apps or {}
    upstreams: dict[str, Upstream] = {}
    stack = AsyncExitStack()

    async def start(app: FastAPI) -> None:
        app.state.identity = build_identity(app, settings)
        app.state.idempotency = IdempotencyKeys(app.state.database.sessionmaker, settings.idempotency_ttl_s)
        for name in SERVICES:
            url = getattr(settings, f"{name}_url")
            local = local_apps.get(name)
            if url is None and local is None:
                raise RuntimeError(f"gateway: no URL for {name} (FANGPIN_GATEWAY_{name.upper()}_URL)")
            if url is None and local is not None:
                await stack.enter_async_context(local.router.lifespan_context(local))
                app.state.extra_readiness[name] = _local_readiness(local)
            upstreams[name] = build_upstream(name, settings, url=url, app=None if url else local)
            trace_client(app, upstreams[name].client)
            upstreams[name].traced = app.state.tracing is not None
        start_following_merges(app)

    async def stop(app: FastAPI) -> None:
        await stop_following_merges(app)
        for upstream in upstreams.values():
            await upstream.aclose()
        await stack.aclose()

    app = create_part_app(
        part="gateway",
        settings=settings,
        title="fangpin API",
        description=(
            "One JSON API for field apps and partner bureau systems: households and people, inspections and "
            "risk alerts, employment. Sign in at POST /api/v1/auth/token (or send an API key in X-API-Key); "
            "errors are RFC 9457 problem details (application/problem+json)."
        ),
        routers=[
            _openapi_router(),
            auth_router.router,
            admin_router.router,
            audit_api.router,
            system.router,
            reports_router,
            _proxy_router(settings),
        ],
        migrations=MIGRATIONS,
        on_startup=[start, *startup_tasks],
        on_shutdown=[stop],
        docs=False,
        gateway_verified=False,
    )
    add_docs(app, f"{API_PREFIX}/openapi.json", "fangpin API")
    app.router.routes.insert(0, ServiceReads(settings))  # before every other: see gateway/service_reads.py
    install_compression(app, settings)
    app.state.upstreams = upstreams
    app.state.local_apps = local_apps
    app.state.extra_readiness = {}
    own_document = lambda: with_security(app.openapi())  # noqa: E731
    app.state.merged_openapi = MergedOpenAPI(upstreams, own_document, settings.upstream_timeout_s)
    return app


def install_compression(app: FastAPI, settings: GatewaySettings) -> None:
    """Just inside the request context (refusals carry the request id and are logged), outside the body
    limit and the type check, which then see the decoded body."""
    classes: list[object] = [m.cls for m in app.user_middleware]
    inner = classes.index(RequestContextMiddleware) + 1
    app.user_middleware[inner:inner] = [
        Middleware(
            CompressionMiddleware,
            encodings=settings.content_codings,
            min_bytes=settings.compress_min_bytes,
        ),
        Middleware(RequestDecodingMiddleware, max_bytes=settings.max_body_bytes),
    ]


async def record_gateway_denial(request: Request) -> None:
    """An unauthenticated write never reaches a service; the gateway's own chain records it."""
    await record_denial(request, Unauthorized())


def _local_readiness(local: FastAPI) -> Callable[[], Awaitable[str]]:
    async def check() -> str:
        checks = await readiness_checks(local.state)
        failing = [f"{k} {v}" for k, v in checks.items() if v != "ok"]
        return "ok" if not failing else "; ".join(failing)

    return check


def _openapi_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(f"{API_PREFIX}/openapi.json")
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.merged_openapi.document())

    return router


MERGES_PATH = f"{API_PREFIX}/area-merges"


async def _follow_merges_now(app: FastAPI) -> None:
    """The merged-away villages' accounts move now; if this fails, the minutely run does it."""
    try:
        await follow_merges(app)
    except Exception:
        logger.exception("village merges: could not move accounts now; the next run will")


DECLARED_WRITES = DeclaredWrites()


async def _declared_write(request: Request) -> bool:
    """A write the API declares (else the service answers it, 405 or 404, key or not)."""
    if request.method not in WRITE_METHODS:
        return False
    document = await request.app.state.merged_openapi.document()
    return DECLARED_WRITES.declares(document, request.method, request.url.path)


async def _without_key(
    request: Request, principal: Principal, send: Callable[[], Awaitable[Response]]
) -> Response:
    return await send()


def _proxy_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route(f"{API_PREFIX}/{{path:path}}", methods=PROXIED_METHODS)
    async def proxy(request: Request) -> Response:  # a streamed response
        service_for(request)  # an unknown resource is 404 whoever asks
        try:
            principal = await caller(request)
        except Unauthorized:
            if request.method in WRITE_METHODS:
                await record_gateway_denial(request)
            raise
        keys: IdempotencyKeys = request.app.state.idempotency
        send = keys.answer if await _declared_write(request) else _without_key
        response = await send(
            request,
            principal,
            lambda: forward(
                request,
                request.app.state.upstreams,
                settings.upstream_timeout_s,
                sign=lambda service: identity_of(request).signer.sign(
                    principal, audiences(request.url.path, service)
                ),
            ),
        )
        if request.method == "POST" and request.url.path == MERGES_PATH and response.status_code < 300:
            await _follow_merges_now(request.app)
        return response

    return router
