"""Oversight settings: FANGPIN_OVERSIGHT_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class OversightSettings(ServiceSettings):
    part = "oversight"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_OVERSIGHT_", extra="ignore")

    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry, which says whether a member's cadre id is a cadre in the "
        "caller's area (unset: the registry served in this process)",
    )
    monitoring_url: str | None = Field(
        default=None,
        description="Base URL of monitoring, whose visit compliance and cases an appraisal reads on the "
        "caller's behalf (unset: the monitoring served in this process)",
    )
    jobs_url: str | None = Field(
        default=None,
        description="Base URL of jobs, whose employment figures an appraisal reads on the caller's behalf "
        "(unset: the jobs served in this process)",
    )
    projects_url: str | None = Field(
        default=None,
        description="Base URL of projects, whose project and money figures a support unit's report reads on "
        "the caller's behalf (unset: the projects served in this process)",
    )
    far_check_in_m: int = Field(
        default=3000,
        ge=100,
        le=100_000,
        description="A check-in farther than this (metres) from its village's point is kept and flagged far",
    )
