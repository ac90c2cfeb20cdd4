"""Monitoring settings: FANGPIN_MONITORING_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from typing import Literal

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
    photo_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest inspection photo, in bytes (phones send compressed JPEG, PNG or WebP)",
    )
    photos_per_inspection: int = Field(default=9, ge=1, le=100, description="Photos one inspection may carry")
    plannable: list[Literal["escaped", "monitored", "marginal"]] = Field(
        default=["escaped", "monitored", "marginal"],
        description="Households plans (一户一方案) are made for: escaped 脱贫户, monitored 监测户 "
        "(an enrolled case), marginal 边缘易致贫户 (an enrolled case of that type); a JSON list",
    )
    population_index_key: str | None = Field(
        default=None,
        description="Secret for the keyed hash of the ID numbers of children the registry lacks (the police "
        "population feed); unset: the services' shared secret",
    )
