"""The projects service: the project library, funds by source and their figures."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common import sql_layer
from services.common.app_factory import create_part_app
from services.common.events.wiring import OutboxSource, start_relay, stop_relay
from services.common.migrations import Migrations
from services.common.rollups.compaction import compaction_hooks
from services.projects import SCHEMA
from services.projects.assets.router import router as assets_router
from services.projects.beneficiaries.codes import PAID_EVENT
from services.projects.beneficiaries.router import router as beneficiaries_router
from services.projects.checks.router import router as checks_router
from services.projects.credit.codes import OVERDUE_EVENT
from services.projects.credit.router import router as credit_router
from services.projects.credit.scanner import start_scanner, stop_scanner
from services.projects.partner.router import router as partner_router
from services.projects.registry import close_peers, open_peers
from services.projects.relocation.jobs import close_jobs_peer, open_jobs_peer
from services.projects.relocation.report_router import router as relocation_reports_router
from services.projects.relocation.router import router as settlements_router
from services.projects.relocation.stats.router import router as relocation_stats_router
from services.projects.router import router as projects_router
from services.projects.settings import ProjectsSettings
from services.projects.stations.alarm_router import router as station_alarms_router
from services.projects.stations.events import JOBS_WANTS
from services.projects.stations.router import router as stations_router
from services.projects.stats.router import asset_router as asset_stats_router
from services.projects.stats.router import router as stats_router

MIGRATIONS = Migrations(
    schema=SCHEMA,
    directory=Path(__file__).parent / "migrations",
    shared_sql=(sql_layer.AUDIT_LOG, sql_layer.ROLLUPS),
)
start_compaction, stop_compaction = compaction_hooks(SCHEMA)


async def start_events(app: FastAPI) -> None:
    """Monitoring counts what households received through their links as their income, and raises an
    alert on a household whose loan is overdue; jobs learns the
    stations its photovoltaic posts name, and what each station-month allocated to post wages."""
    settings = app.state.settings
    await start_relay(
        app,
        OutboxSource(name="projects", schema=SCHEMA),
        wanted={"monitoring": frozenset({PAID_EVENT, OVERDUE_EVENT}), "jobs": JOBS_WANTS},
        urls={"monitoring": settings.monitoring_url, "jobs": settings.jobs_url},
    )


def create_app(settings: ProjectsSettings | None = None) -> FastAPI:
    return create_part_app(
        part="projects",
        settings=settings or ProjectsSettings(),
        title="fangpin projects",
        description="The project library (项目库), funds by source (budget, received, paid), their figures.",
        routers=[
            partner_router,
            projects_router,
            assets_router,
            checks_router,
            beneficiaries_router,
            stations_router,
            credit_router,
            station_alarms_router,
            stats_router,
            asset_stats_router,
            settlements_router,
            relocation_reports_router,
            relocation_stats_router,
        ],
        migrations=MIGRATIONS,
        on_startup=[open_peers, open_jobs_peer, start_events, start_compaction, start_scanner],
        on_shutdown=[close_peers, close_jobs_peer, stop_relay, stop_compaction, stop_scanner],
    )
