"""The jobs service: employment (就业): work status over time, public-welfare posts, training."""

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
from services.jobs.employment.router import router as employment_router
from services.jobs.employment.stats.router import router as employment_stats_router
from services.jobs.posts.router import router as posts_router
from services.jobs.posts.stats.router import router as post_stats_router
from services.jobs.settings import JobsSettings
from services.jobs.shared import SCHEMA
from services.jobs.stations.router import router as station_events_router
from services.jobs.training.router import router as training_router
from services.jobs.training.stats.router import router as training_stats_router

MIGRATIONS = Migrations(
    schema=SCHEMA,
    directory=Path(__file__).parent / "migrations",
    shared_sql=(sql_layer.AUDIT_LOG, sql_layer.ROLLUPS),
)
start_exports, stop_exports = export_hooks(SCHEMA)  # ledgers too big for one request
start_compaction, stop_compaction = compaction_hooks(SCHEMA)


async def open_peers(app: FastAPI) -> None:
    app.state.registry_peer = open_peer(app, "registry", app.state.settings.registry_url)


async def close_peers(app: FastAPI) -> None:
    if (peer := getattr(app.state, "registry_peer", None)) is not None:
        await peer.aclose()


# Monitoring re-evaluates a household when one of its people comes home or loses work.
MONITORING_WANTS = frozenset({"employment.returned_home", "employment.job_lost"})


async def start_events(app: FastAPI) -> None:
    await start_relay(
        app,
        OutboxSource(name="jobs", schema=SCHEMA),
        wanted={"monitoring": MONITORING_WANTS},
        urls={"monitoring": app.state.settings.monitoring_url},
    )


def create_app(settings: JobsSettings | None = None) -> FastAPI:
    return create_part_app(
        part="jobs",
        settings=settings or JobsSettings(),
        title="fangpin jobs",
        description="Employment records, coming home, public-welfare posts and training.",
        routers=[
            employment_router,
            employment_stats_router,
            posts_router,
            post_stats_router,
            training_router,
            training_stats_router,
            export_job_router("employment-records", Permission.employment_read, SCHEMA),
        ],
        service_routers=[station_events_router],  # projects' relay delivers its station events
        migrations=MIGRATIONS,
        on_startup=[open_peers, start_events, start_compaction, start_exports],
        on_shutdown=[close_peers, stop_relay, stop_compaction, stop_exports],
    )
