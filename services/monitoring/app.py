"""The monitoring service: inspections, risk rules, alerts, the identification workflow, assistance, exit."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common import sql_layer
from services.common.app_factory import create_part_app
from services.common.auth import Permission
from services.common.events.wiring import OutboxSource, start_relay, stop_relay
from services.common.exports.router import export_job_router
from services.common.exports.runner import export_hooks
from services.common.migrations import Migrations
from services.common.peers import open_peer
from services.common.rollups.compaction import compaction_hooks
from services.monitoring.alerts.router import router as alerts_router
from services.monitoring.case_imports.router import router as case_imports_router
from services.monitoring.cases.events import REGISTRY_WANTS
from services.monitoring.cases.router import router as cases_router
from services.monitoring.events.router import router as events_router
from services.monitoring.inspections.router import router as inspections_router
from services.monitoring.measures.router import router as measures_router
from services.monitoring.models import SCHEMA
from services.monitoring.partners.router import router as partners_router
from services.monitoring.phone_feed.router import router as phone_feed_router
from services.monitoring.photos.router import router as photos_router
from services.monitoring.plans.router import router as plans_router
from services.monitoring.requests.router import router as requests_router
from services.monitoring.rounds.router import router as rounds_router
from services.monitoring.schools.router import router as schools_router
from services.monitoring.settings import MonitoringSettings
from services.monitoring.stats.router import router as stats_router
from services.monitoring.student_aid.router import router as student_aid_router
from services.monitoring.thresholds.router import router as thresholds_router
from services.monitoring.visits.router import router as visits_router
from services.monitoring.workload import record_workload

MIGRATIONS = Migrations(
    schema=SCHEMA,
    directory=Path(__file__).parent / "migrations",
    shared_sql=(sql_layer.AUDIT_LOG, sql_layer.ROLLUPS),
)
start_exports, stop_exports = export_hooks(SCHEMA)  # ledgers too big for one request
# The statistics' rollups (stats.rollups); a new visit interval marks pairings stale (visits.rollups).
start_compaction, stop_compaction = compaction_hooks(SCHEMA, stale=True)


async def open_peers(app: FastAPI) -> None:
    app.state.registry_peer = open_peer(app, "registry", app.state.settings.registry_url)


async def close_peers(app: FastAPI) -> None:
    if (peer := getattr(app.state, "registry_peer", None)) is not None:
        await peer.aclose()


# The registry keeps the 监测户 programme periods from the county's enrolments and exits.
async def start_events(app: FastAPI) -> None:
    await start_relay(
        app,
        OutboxSource(name="monitoring", schema=SCHEMA),
        wanted={"registry": REGISTRY_WANTS},
        urls={"registry": app.state.settings.registry_url},
    )


def create_app(settings: MonitoringSettings | None = None) -> FastAPI:
    return create_part_app(
        part="monitoring",
        settings=settings or MonitoringSettings(),
        title="fangpin monitoring",
        description="Door-to-door inspections, risk rules, alerts, cases, assistance, exit and visits.",
        routers=[
            thresholds_router,
            inspections_router,
            photos_router,
            alerts_router,
            cases_router,
            case_imports_router,
            measures_router,
            plans_router,
            rounds_router,
            phone_feed_router,
            partners_router,
            visits_router,
            requests_router,
            stats_router,
            schools_router,
            student_aid_router,
            export_job_router("cases", Permission.monitoring_read, SCHEMA),
            export_job_router("visits", Permission.monitoring_read, SCHEMA),
            export_job_router("school-children", Permission.monitoring_read, SCHEMA),
        ],
        migrations=MIGRATIONS,
        service_routers=[events_router],
        on_scrape=[record_workload],
        on_startup=[open_peers, start_events, start_compaction, start_exports],
        on_shutdown=[close_peers, stop_relay, stop_compaction, stop_exports],
    )
