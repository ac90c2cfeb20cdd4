"""Build a part's FastAPI app the same way for every part: lifespan, middleware, errors, health, auth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.engine import make_url

from services.common.audit.router import internal_audit_router
from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.auth import InternalTokenVerifier, current_principal
from services.common.database import Database, create_engine
from services.common.docs import add_docs
from services.common.error_handlers import install_error_handlers
from services.common.events.tokens import ServiceTokens
from services.common.health import health_router
from services.common.metrics import metrics_router
from services.common.middleware import (
    BodySizeLimitMiddleware,
    ContentTypeMiddleware,
    RequestContextMiddleware,
)
from services.common.migrations import Migrations
from services.common.openapi import operation_id, use_problem_openapi
from services.common.settings import ServiceSettings
from services.common.tracing import start_tracing, trace_engine

AppHook = Callable[[FastAPI], Awaitable[None]]  # run with the app: at start, stop or scrape
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}


class ConfigurationError(RuntimeError):
    """The part cannot start with the settings it was given."""


def create_part_app(
    *,
    part: str,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    migrations: Migrations | None,
    service_routers: Sequence[APIRouter] = (),
    on_scrape: Sequence[AppHook] = (),
    on_startup: Sequence[AppHook] = (),
    on_shutdown: Sequence[AppHook] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    docs: bool = True,
    gateway_verified: bool = True,
) -> FastAPI:
    """``gateway_verified``: every route of ``routers`` requires the gateway's internal token (services);
    the gateway itself passes False and authenticates its callers on its own. ``service_routers`` serve
    other services only (event deliveries) and check the service token themselves. ``on_scrape`` hooks
    refresh the part's own gauges when /metrics is read. ``docs``: /docs and /redoc for the part's own
    document (the gateway passes False and serves the merged one's)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrations is not None:
            await _open_database(app, part, settings, migrations)
        for hook in on_startup:
            await hook(app)
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook(app)
            database: Database | None = getattr(app.state, "database", None)
            if database is not None:
                await database.dispose()
            if tracing is not None:
                await tracing.shutdown()

    tracing = start_tracing(part, _version())  # None unless an OTLP endpoint is configured
    # Without tracing, FastAPI's own telemetry is switched off outright: left at its defaults it looks
    # for a global tracer and meter provider (reading the environment) on every request.
    telemetry = cast(TelemetryConfig, tracing.fastapi_telemetry()) if tracing is not None else TELEMETRY_OFF
    app = FastAPI(
        title=title,
        description=description,
        version=_version(),
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        docs_url=None,  # FastAPI's pages load from a CDN: ours (add_docs) do not
        redoc_url=None,
        # operationId is the route's name (issue_token, not issue_token_api_v1_auth_token_post): what
        # generated clients call their functions; the gateway's merge keeps them unique across services.
        generate_unique_id_function=operation_id,
        telemetry=telemetry,
    )
    app.state.settings = settings
    app.state.part = part
    app.state.tracing = tracing
    install_error_handlers(app)
    if docs:
        add_docs(app, app.openapi_url or "/openapi.json", title)
    guard = [Depends(current_principal)] if gateway_verified else []
    if gateway_verified:
        if not settings.internal_token_public_key:
            raise ConfigurationError(
                f"{part}: FANGPIN_INTERNAL_TOKEN_PUBLIC_KEY is not set, so no call could be verified"
            )
        app.state.token_verifier = InternalTokenVerifier(settings.internal_token_public_key, audience=part)
    for router in routers:
        app.include_router(router, dependencies=guard)
    if settings.service_token_secret:
        try:
            app.state.service_tokens = ServiceTokens(settings.service_token_secret, part)
        except ValueError as exc:
            raise ConfigurationError(f"{part}: FANGPIN_SERVICE_TOKEN_SECRET: {exc}") from exc
    for router in service_routers:
        app.include_router(router)
    if migrations is not None:
        app.state.audit_store = AuditStore(audit_table(migrations.schema), chain=part)
        if gateway_verified:
            app.include_router(internal_audit_router(), dependencies=guard)
    app.include_router(health_router())
    scrape_hooks = [lambda: _record_pool(app), *(lambda hook=hook: hook(app) for hook in on_scrape)]
    app.include_router(metrics_router(on_scrape=scrape_hooks))
    use_problem_openapi(app)
    # Outermost last: the request id exists before anything logs or refuses a body.
    app.add_middleware(ContentTypeMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, upload_max_bytes=settings.upload_max_bytes
    )
    app.add_middleware(RequestContextMiddleware, part=part)
    return app


def database_user(url: str) -> str | None:
    return make_url(url).username


async def _open_database(app: FastAPI, part: str, settings: ServiceSettings, migrations: Migrations) -> None:
    if not settings.database_url:
        raise ConfigurationError(f"{part}: no database URL (set FANGPIN_DATABASE_URL or use `fangpin serve`)")
    engine = create_engine(
        settings.database_url,
        part=part,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        statement_timeout_ms=settings.statement_timeout_ms,
    )
    read_engine = None
    if settings.read_database_url:
        read_engine = create_engine(
            settings.read_database_url,
            part=f"{part}-read",
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            statement_timeout_ms=settings.statement_timeout_ms,
            read_only=True,
        )
    trace_engine(app, engine)
    if read_engine is not None:
        trace_engine(app, read_engine)
    if settings.migrate_on_start:
        await migrate(part, settings, migrations)
    app.state.database = Database(engine, part, read_engine)
    app.state.migrations = migrations


async def migrate(part: str, settings: ServiceSettings, migrations: Migrations) -> None:
    """Upgrade as the owning role; grant the serving role its rights when it is a different one."""
    assert settings.database_url is not None
    owner_url = settings.migration_database_url or settings.database_url
    app_user = database_user(settings.database_url)
    app_role = app_user if app_user and app_user != database_user(owner_url) else None
    engine = create_engine(owner_url, part=f"{part}-migrate", pool_size=1, max_overflow=0)
    try:
        await migrations.upgrade(engine, app_role=app_role)
    finally:
        await engine.dispose()


def _record_pool(app: FastAPI) -> None:
    database: Database | None = getattr(app.state, "database", None)
    if database is not None:
        database.record_pool_metrics()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fangpin")
    except PackageNotFoundError:
        return "0.0.0"
