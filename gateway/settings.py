"""Gateway settings: FANGPIN_GATEWAY_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    part = "gateway"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_GATEWAY_", extra="ignore")

    registry_url: str | None = Field(default=None, description="Registry base URL; unset = in this process")
    monitoring_url: str | None = Field(
        default=None, description="Monitoring base URL; unset = in this process"
    )
    jobs_url: str | None = Field(default=None, description="Jobs base URL; unset = in this process")
    upstream_connect_timeout_s: float = Field(
        default=1.0, gt=0, le=30, description="Give up connecting to a service after this long (then 503)"
    )
    upstream_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Give up waiting for a service's answer after this long (then 504)",
    )
    upstream_max_connections: int = Field(default=100, ge=1, le=10_000, description="Connections per service")
