"""Registry settings: FANGPIN_REGISTRY_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    part = "registry"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_REGISTRY_", extra="ignore")

    national_id_key: str | None = Field(
        default=None,
        description="Base64 of 32 random bytes: encrypts national ID numbers at rest and keys their "
        "lookup index. Keep it secret and never change it on a populated database.",
    )
    disclosure_limit: int = Field(
        default=30,
        ge=1,
        description="Answers one caller may get in a window saying that an ID number or a household "
        "number is registered outside its area (each audited); past it, every registration that could "
        "say so is 429 until the window lets one go, so the answers cannot enumerate who lives where",
    )
    disclosure_window_s: int = Field(
        default=3600, ge=60, description="The window over which those answers are counted, in seconds"
    )
    import_mode: Literal["process", "inline"] = Field(
        default="process",
        description="Where a bulk import job runs: `process`, a child process of its own (its reading, "
        "checking and encryption never hold up the requests this process serves, and a child that dies "
        "fails its job alone); `inline`, in this process (the in-process test system)",
    )
    monitoring_url: str | None = Field(
        default=None,
        description="Base URL of monitoring, to which the registry delivers the events it subscribes to "
        "(unset: the monitoring served in this process)",
    )
    sync_horizon_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="A phone's sync cursor older than this answers 409 sync_restart (with a fresh cursor), "
        "and the change log's rows older than this move to the history table, so the log stays bounded",
    )
