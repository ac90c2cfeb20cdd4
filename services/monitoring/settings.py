"""Monitoring settings: FANGPIN_MONITORING_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    part = "monitoring"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_MONITORING_", extra="ignore")

    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry, which partner feeds match ID numbers against "
        "(unset: the registry served in this process)",
    )
