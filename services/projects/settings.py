"""Projects settings: FANGPIN_PROJECTS_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ProjectsSettings(ServiceSettings):
    part = "projects"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_PROJECTS_", extra="ignore")

    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry, which names the villages a ledger shows and says which "
        "households lie in the caller's area (unset: the registry served in this process)",
    )
    monitoring_url: str | None = Field(
        default=None,
        description="Base URL of monitoring, to which projects delivers households' payments "
        "(unset: the monitoring served in this process)",
    )
    jobs_url: str | None = Field(
        default=None,
        description="Base URL of jobs, to which projects delivers its photovoltaic stations and their "
        "months' revenue allocated to post wages (unset: the jobs served in this process)",
    )
    credit_warning_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="Loans falling due within this many days are warned of (到期预警), unless a request says",
    )
    credit_scan_interval_s: float = Field(
        default=3600,
        gt=0,
        description="How often every loan is scanned for being overdue (each reported to monitoring once)",
    )
