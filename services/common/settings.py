"""Settings read from the environment (pydantic-settings).

Every setting of a part can be given for all parts at once (``FANGPIN_DATABASE_URL``) or for one part
(``FANGPIN_REGISTRY_DATABASE_URL``); the part's own variable wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fangpin", appauthor=False))


class RuntimeSettings(BaseSettings):
    """Settings of the whole installation, not of one part."""

    model_config = SettingsConfigDict(env_prefix="FANGPIN_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the embedded database and generated keys live"
    )
    database_url: str | None = Field(default=None, description="PostgreSQL URL; unset = embedded server")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_json: bool | None = Field(
        default=None, description="JSON log lines (true/false); unset = JSON unless stderr is a terminal"
    )


class PartSettings(BaseSettings):
    """Base for one part's settings: looks up FANGPIN_<PART>_<NAME>, then FANGPIN_<NAME>."""

    part: ClassVar[str] = ""
    model_config = SettingsConfigDict(extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="FANGPIN_")
        return (init_settings, env_settings, shared, file_secret_settings)


class ServiceSettings(PartSettings):
    """What every service (and the gateway) needs."""

    database_url: str | None = Field(default=None, description="PostgreSQL URL of this part's schema")
    migration_database_url: str | None = Field(
        default=None,
        description="URL of the role that owns the schema and runs migrations; unset = database_url. "
        "When its user differs, the serving role gets data rights only (audit rows: insert and read).",
    )
    read_database_url: str | None = Field(
        default=None, description="A read-only replica for searches and listings; unset = the primary"
    )
    pool_size: int = Field(default=10, ge=1, le=200, description="Database connections kept open")
    pool_max_overflow: int = Field(default=10, ge=0, le=200, description="Extra connections under load")
    statement_timeout_ms: int = Field(default=30_000, ge=100, description="Longest one SQL statement may run")
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Request bodies above this size are refused with 413"
    )
    upload_max_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1024, description="Largest file upload (bulk imports), in bytes"
    )
    export_inline_max_rows: int = Field(
        default=200_000,
        ge=0,
        description="A ledger export with more rows than this is written in the background as an export "
        "job (202, with its progress and then a download link) rather than streamed in the answer",
    )
    migrate_on_start: bool = Field(default=True, description="Upgrade this part's schema when it starts")
    internal_token_public_key: str | None = Field(
        default=None, description="PEM Ed25519 public key that verifies the gateway's internal tokens"
    )
    service_token_secret: str | None = Field(
        default=None,
        description="Secret the services share to prove to each other which service delivers events",
    )
    event_relay_interval_s: float = Field(
        default=1.0,
        ge=0,
        description="How often the event relay looks for undelivered events; 0 = no relay in this process",
    )
