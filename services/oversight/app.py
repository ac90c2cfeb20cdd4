"""The oversight service: support units, work teams, their days in the village and the targets."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common import sql_layer
from services.common.app_factory import create_part_app
from services.common.migrations import Migrations
from services.common.rollups.compaction import compaction_hooks
from services.oversight import SCHEMA
from services.oversight.appraisal.figures import close_figure_peers, open_figure_peers
from services.oversight.appraisal.router import router as appraisal_router
from services.oversight.cadres import close_peers, open_peers
from services.oversight.contacts.router import router as contacts_router
from services.oversight.router import router as oversight_router
from services.oversight.sessions.router import router as sessions_router
from services.oversight.settings import OversightSettings
from services.oversight.stats.router import router as stats_router
from services.oversight.tasks.router import router as tasks_router
from services.oversight.unit_report.router import router as unit_report_router

MIGRATIONS = Migrations(
    schema=SCHEMA,
    directory=Path(__file__).parent / "migrations",
    shared_sql=(sql_layer.AUDIT_LOG, sql_layer.ROLLUPS),
)
start_compaction, stop_compaction = compaction_hooks(SCHEMA)


def create_app(settings: OversightSettings | None = None) -> FastAPI:
    return create_part_app(
        part="oversight",
        settings=settings or OversightSettings(),
        title="fangpin oversight",
        description="Support units (帮扶单位), work teams (驻村工作队), days in the village, targets; "
        "rectification items (整改) closed one by one (销号); study, training and publicity sessions; "
        "cadres' contacts with households; appraisal (考核) schemes and scores; a support unit's report.",
        routers=[
            oversight_router,
            tasks_router,
            sessions_router,
            contacts_router,
            stats_router,
            appraisal_router,
            unit_report_router,
        ],
        migrations=MIGRATIONS,
        on_startup=[open_peers, open_figure_peers, start_compaction],
        on_shutdown=[stop_compaction, close_figure_peers, close_peers],
    )
