"""The registry service: areas (and, in later issues, households, people, cadres, sync, import)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common import sql_layer
from services.common.app_factory import create_part_app
from services.common.auth import Permission
from services.common.events.wiring import start_relay, stop_relay
from services.common.exports.router import export_job_router
from services.common.exports.runner import export_hooks
from services.common.migrations import Migrations
from services.common.rollups.compaction import compaction_hooks
from services.registry.areas.router import imports_router as area_imports_router
from services.registry.areas.router import merges_router
from services.registry.areas.router import router as areas_router
from services.registry.cadres.router import router as cadres_router
from services.registry.events.inbox import router as inbox_router
from services.registry.events.relay import MEMBERS_WANTS, MONITORING_WANTS, RegistryEventSource
from services.registry.events.router import router as events_router
from services.registry.households.router import router as households_router
from services.registry.imports.jobs import ImportRunner
from services.registry.imports.router import router as imports_router
from services.registry.internal.router import router as internal_router
from services.registry.models import SCHEMA
from services.registry.national_id import IdVault
from services.registry.programmes.router import router as programmes_router
from services.registry.settings import RegistrySettings
from services.registry.stats.router import router as stats_router
from services.registry.sync.compaction import start_log_compaction, stop_log_compaction
from services.registry.sync.router import router as sync_router
from services.registry.villages.router import router as villages_router

MIGRATIONS = Migrations(
    schema=SCHEMA,
    directory=Path(__file__).parent / "migrations",
    shared_sql=(sql_layer.AUDIT_LOG, sql_layer.ROLLUPS),
)
start_exports, stop_exports = export_hooks(SCHEMA)  # ledgers too big for one request
start_compaction, stop_compaction = compaction_hooks(SCHEMA, stale=True)  # 0023 marked every subject stale


async def start_imports(app: FastAPI) -> None:
    vault, settings = app.state.id_vault, app.state.settings
    app.state.import_runner = ImportRunner(app.state.database, vault, settings) if vault is not None else None
    if app.state.import_runner is not None:
        await app.state.import_runner.fail_abandoned()


async def stop_imports(app: FastAPI) -> None:
    runner = getattr(app.state, "import_runner", None)
    if runner is not None:
        await runner.stop()


async def start_events(app: FastAPI) -> None:
    await start_relay(
        app,
        RegistryEventSource(),
        wanted={"monitoring": MONITORING_WANTS, "monitoring:members": MEMBERS_WANTS},
        urls={"monitoring": app.state.settings.monitoring_url},
    )


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    app = create_part_app(
        part="registry",
        settings=settings,
        title="fangpin registry",
        description="Areas, households, people, programmes, cadres, history and the phones' sync feed.",
        routers=[
            areas_router,
            area_imports_router,
            merges_router,
            households_router,
            programmes_router,
            cadres_router,
            villages_router,
            sync_router,
            stats_router,
            export_job_router("households", Permission.households_read, SCHEMA),
            events_router,
            imports_router,
            internal_router,
        ],
        migrations=MIGRATIONS,
        service_routers=[inbox_router],
        on_startup=[start_imports, start_events, start_compaction, start_exports, start_log_compaction],
        on_shutdown=[stop_imports, stop_relay, stop_compaction, stop_exports, stop_log_compaction],
    )
    # Without the key the registry still serves areas; person endpoints answer 503 and say why.
    app.state.id_vault = IdVault.from_setting(settings.national_id_key) if settings.national_id_key else None
    return app
