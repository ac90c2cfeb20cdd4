"""Jobs settings: FANGPIN_JOBS_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class JobsSettings(ServiceSettings):
    part = "jobs"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_JOBS_", extra="ignore")

    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry, which says where a person lives "
        "(unset: the registry served in this process)",
    )
    monitoring_url: str | None = Field(
        default=None,
        description="Base URL of monitoring, to which jobs delivers coming-home and job-loss events "
        "(unset: the monitoring served in this process)",
    )
    max_active_posts_per_person: int = Field(
        default=1,
        ge=1,
        le=10,
        description="Public-welfare posts (公益岗) one person may hold at the same time",
    )
