"""The parts of fangpin and how to build each one's app: the one place that knows them all."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from services.common.migrations import Migrations
from services.common.settings import ServiceSettings


@cache
def _load(module: str) -> ModuleType:
    return importlib.import_module(module)


@dataclass(frozen=True)
class Part:
    """A part, by where its code lives: its modules are imported when first used, so a process that
    serves one part (a container, a test's subprocess) loads that part alone, not all six."""

    name: str
    package: str  # e.g. "services.registry": its ``app`` module has create_app and MIGRATIONS
    settings_name: str  # the settings class in the package's ``settings`` module
    default_port: int

    @property
    def settings_cls(self) -> type[ServiceSettings]:
        settings: type[ServiceSettings] = getattr(_load(f"{self.package}.settings"), self.settings_name)
        return settings

    @property
    def create_app(self) -> Any:  # (settings, **kwargs) -> FastAPI
        return _load(f"{self.package}.app").create_app

    @property
    def migrations(self) -> Migrations:
        migrations: Migrations = _load(f"{self.package}.app").MIGRATIONS
        return migrations


SERVICE_PARTS: dict[str, Part] = {
    "registry": Part("registry", "services.registry", "RegistrySettings", 8101),
    "monitoring": Part("monitoring", "services.monitoring", "MonitoringSettings", 8102),
    "jobs": Part("jobs", "services.jobs", "JobsSettings", 8103),
    "projects": Part("projects", "services.projects", "ProjectsSettings", 8104),
    "oversight": Part("oversight", "services.oversight", "OversightSettings", 8105),
}
GATEWAY = Part("gateway", "gateway", "GatewaySettings", 8000)
PARTS: dict[str, Part] = {**SERVICE_PARTS, "gateway": GATEWAY}
