"""The registry service: areas (and, in later issues, households, people, cadres, sync, import)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.common.app_factory import create_part_app
from services.common.migrations import Migrations
from services.registry.models import SCHEMA
from services.registry.router import router as areas_router
from services.registry.settings import RegistrySettings

MIGRATIONS = Migrations(schema=SCHEMA, directory=Path(__file__).parent / "migrations")


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    return create_part_app(
        part="registry",
        settings=settings or RegistrySettings(),
        title="fangpin registry",
        description="Areas, households, people, programmes and cadres.",
        routers=[areas_router],
        migrations=MIGRATIONS,
    )
