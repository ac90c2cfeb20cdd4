"""The parts of fangpin and how to build each one's app: the one place that knows them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from gateway.app import MIGRATIONS as GATEWAY_MIGRATIONS
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.common.migrations import Migrations
from services.common.settings import ServiceSettings
from services.jobs.app import MIGRATIONS as JOBS_MIGRATIONS
from services.jobs.app import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.monitoring.app import MIGRATIONS as MONITORING_MIGRATIONS
from services.monitoring.app import create_app as create_monitoring
from services.monitoring.settings import MonitoringSettings
from services.oversight.app import MIGRATIONS as OVERSIGHT_MIGRATIONS
from services.oversight.app import create_app as create_oversight
from services.oversight.settings import OversightSettings
from services.projects.app import MIGRATIONS as PROJECTS_MIGRATIONS
from services.projects.app import create_app as create_projects
from services.projects.settings import ProjectsSettings
from services.registry.app import MIGRATIONS as REGISTRY_MIGRATIONS
from services.registry.app import create_app as create_registry
from services.registry.settings import RegistrySettings


@dataclass(frozen=True)
class Part:
    name: str
    settings_cls: type[ServiceSettings]
    create_app: Callable[..., FastAPI]
    migrations: Migrations | None
    default_port: int


SERVICE_PARTS: dict[str, Part] = {
    "registry": Part("registry", RegistrySettings, create_registry, REGISTRY_MIGRATIONS, 8101),
    "monitoring": Part("monitoring", MonitoringSettings, create_monitoring, MONITORING_MIGRATIONS, 8102),
    "jobs": Part("jobs", JobsSettings, create_jobs, JOBS_MIGRATIONS, 8103),
    "projects": Part("projects", ProjectsSettings, create_projects, PROJECTS_MIGRATIONS, 8104),
    "oversight": Part("oversight", OversightSettings, create_oversight, OVERSIGHT_MIGRATIONS, 8105),
}
GATEWAY = Part("gateway", GatewaySettings, create_gateway, GATEWAY_MIGRATIONS, 8000)
PARTS: dict[str, Part] = {**SERVICE_PARTS, "gateway": GATEWAY}
