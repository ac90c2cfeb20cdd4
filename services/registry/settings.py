"""Registry settings: FANGPIN_REGISTRY_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    part = "registry"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_REGISTRY_", extra="ignore")
