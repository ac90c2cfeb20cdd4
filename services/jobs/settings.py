"""Jobs settings: FANGPIN_JOBS_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class JobsSettings(ServiceSettings):
    part = "jobs"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_JOBS_", extra="ignore")
