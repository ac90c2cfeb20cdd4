"""Gateway settings: FANGPIN_GATEWAY_<NAME>, falling back to FANGPIN_<NAME>."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

CONTENT_CODINGS = ("br", "gzip")


class GatewaySettings(ServiceSettings):
    part = "gateway"
    model_config = SettingsConfigDict(env_prefix="FANGPIN_GATEWAY_", extra="ignore")

    registry_url: str | None = Field(default=None, description="Registry base URL; unset = in this process")
    monitoring_url: str | None = Field(
        default=None, description="Monitoring base URL; unset = in this process"
    )
    jobs_url: str | None = Field(default=None, description="Jobs base URL; unset = in this process")
    projects_url: str | None = Field(default=None, description="Projects base URL; unset = in this process")
    oversight_url: str | None = Field(default=None, description="Oversight base URL; unset = in this process")
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

    token_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Secret that signs access tokens (HS256); at least 32 characters",
    )
    internal_token_private_key: str | None = Field(
        default=None, description="PEM Ed25519 private key that signs the internal tokens sent to services"
    )
    access_token_ttl_s: int = Field(default=900, ge=60, le=86_400, description="Lifetime of an access token")
    refresh_token_ttl_s: int = Field(
        default=14 * 86_400, ge=300, description="A sign-in lasts this long after its last refresh"
    )
    principal_cache_s: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a disabled user or revoked key may still pass (per replica)",
    )
    login_window_s: int = Field(
        default=900, ge=1, description="Window over which failed sign-ins are counted"
    )
    login_max_failures_per_user: int = Field(
        default=5, ge=1, description="Failed sign-ins per username per window"
    )
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins per client address per window"
    )
    rate_limit_per_s: float = Field(
        default=50.0, gt=0, description="Sustained requests per second per caller"
    )
    rate_limit_burst: int = Field(default=200, ge=1, description="Requests a caller may burst above the rate")
    password_hash_time_cost: int = Field(default=3, ge=1, le=20, description="argon2id passes")
    password_hash_memory_kib: int = Field(
        default=65_536, ge=1024, description="argon2id memory per hash (KiB)"
    )
    compress_encodings: str = Field(
        default="br,gzip",
        description="Content codings the gateway answers in when the caller accepts them, most preferred "
        f"first (of {', '.join(CONTENT_CODINGS)}); empty = never compress",
    )
    compress_min_bytes: int = Field(
        default=1024, ge=0, description="Answers smaller than this go out uncompressed (a packet either way)"
    )
    idempotency_ttl_s: int = Field(
        default=86_400,
        ge=60,
        le=30 * 86_400,
        description="How long a write's answer is kept for retries sent with its Idempotency-Key",
    )

    @field_validator("compress_encodings")
    @classmethod
    def _known_codings(cls, value: str) -> str:
        codings = [c.strip().lower() for c in value.split(",") if c.strip()]
        unknown = [c for c in codings if c not in CONTENT_CODINGS]
        if unknown:
            raise ValueError(f"unknown content coding {unknown[0]!r}; use {', '.join(CONTENT_CODINGS)}")
        return ",".join(dict.fromkeys(codings))

    @property
    def content_codings(self) -> tuple[str, ...]:
        return tuple(c for c in self.compress_encodings.split(",") if c)
