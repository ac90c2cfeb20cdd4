"""The jobs service: employment (就业): work status over time, public-welfare posts, training."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common.app_factory import create_part_app
from services.common.migrations import Migrations
from services.jobs.models import SCHEMA
from services.jobs.settings import JobsSettings

MIGRATIONS = Migrations(schema=SCHEMA, directory=Path(__file__).parent / "migrations")


def create_app(settings: JobsSettings | None = None) -> FastAPI:
    return create_part_app(
        part="jobs",
        settings=settings or JobsSettings(),
        title="fangpin jobs",
        description="Employment records, coming home, public-welfare posts and training.",
        routers=[],
        migrations=MIGRATIONS,
    )
