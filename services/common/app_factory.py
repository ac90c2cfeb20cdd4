"""Build a part's FastAPI app the same way for every service: lifespan, middleware, errors, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from services.common.database import Database, create_engine
from services.common.errors import install_error_handlers
from services.common.health import health_router
from services.common.metrics import metrics_router
from services.common.middleware import (
    BodySizeLimitMiddleware,
    ContentTypeMiddleware,
    RequestContextMiddleware,
)
from services.common.migrations import Migrations
from services.common.openapi import use_problem_openapi
from services.common.settings import ServiceSettings

StartupHook = Callable[[FastAPI], Awaitable[None]]


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
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[StartupHook] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    docs_url: str | None = "/docs",
) -> FastAPI:
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

    app = FastAPI(
        title=title,
        description=description,
        version=_version(),
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        docs_url=docs_url,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.part = part
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(health_router())
    app.include_router(metrics_router(on_scrape=[lambda: _record_pool(app)]))
    use_problem_openapi(app)
    # Outermost first: the request id must exist before anything logs or refuses a body.
    app.add_middleware(ContentTypeMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, part=part)
    return app


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
    if settings.migrate_on_start:
        await migrations.upgrade(engine)
    app.state.database = Database(engine, part)
    app.state.migrations = migrations


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
