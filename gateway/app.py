"""The gateway: one public API in front of the services (routing, request ids, merged OpenAPI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.openapi import MergedOpenAPI
from gateway.proxy import forward
from gateway.routing import API_PREFIX, SERVICES
from gateway.settings import GatewaySettings
from gateway.upstreams import Upstream, build_upstream
from services.common.app_factory import create_part_app
from services.common.health import readiness_checks

PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(
    settings: GatewaySettings | None = None,
    local_apps: dict[str, FastAPI] | None = None,
    startup_tasks: Sequence[Callable[[FastAPI], Awaitable[None]]] = (),
) -> FastAPI:
    """``local_apps`` are services served in this process; ``startup_tasks`` run once all are up."""
    settings = settings or GatewaySettings()
    local_apps = local_apps or {}
    upstreams: dict[str, Upstream] = {}
    stack = AsyncExitStack()

    async def start(app: FastAPI) -> None:
        for name in SERVICES:
            url = getattr(settings, f"{name}_url")
            local = local_apps.get(name)
            if url is None and local is None:
                raise RuntimeError(f"gateway: no URL for {name} (FANGPIN_GATEWAY_{name.upper()}_URL)")
            if url is None and local is not None:
                await stack.enter_async_context(local.router.lifespan_context(local))
                app.state.extra_readiness[name] = _local_readiness(local)
            upstreams[name] = build_upstream(name, settings, url=url, app=None if url else local)

    async def stop(app: FastAPI) -> None:
        for upstream in upstreams.values():
            await upstream.aclose()
        await stack.aclose()

    app = create_part_app(
        part="gateway",
        settings=settings,
        title="fangpin API",
        description=(
            "One JSON API for field apps and partner bureau systems: households and people, inspections and "
            "risk alerts, employment. Errors are RFC 9457 problem details (application/problem+json)."
        ),
        routers=[_docs_router(), _proxy_router(settings)],
        migrations=None,
        on_startup=[start, *startup_tasks],
        on_shutdown=[stop],
        docs_url=None,
    )
    app.state.upstreams = upstreams
    app.state.extra_readiness = {}
    app.state.merged_openapi = MergedOpenAPI(upstreams, app.openapi, settings.upstream_timeout_s)
    return app


def _local_readiness(local: FastAPI):  # noqa: ANN202 - a readiness callable
    async def check() -> str:
        checks = await readiness_checks(local.state)
        failing = [f"{k} {v}" for k, v in checks.items() if v != "ok"]
        return "ok" if not failing else "; ".join(failing)

    return check


def _docs_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(f"{API_PREFIX}/openapi.json")
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.merged_openapi.document())

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{API_PREFIX}/openapi.json", title="fangpin API")

    return router


def _proxy_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route(f"{API_PREFIX}/{{path:path}}", methods=PROXIED_METHODS)
    async def proxy(request: Request):  # noqa: ANN202 - a streamed response
        return await forward(request, request.app.state.upstreams, settings.upstream_timeout_s)

    return router
