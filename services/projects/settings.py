"""Projects settings: FANGPIN_PROJECTS_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ProjectsSettings(ServiceSettings):
    part = "projects"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_PROJECTS_", extra="ignore")
