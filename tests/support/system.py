"""The whole system in this process, as `fangpin serve` runs it: gateway + services over ASGI."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from fangpin.parts import GATEWAY, SERVICE_PARTS
from gateway.settings import GatewaySettings
from services.common.auth import generate_keypair
from services.common.peers import link_local


@dataclass(frozen=True)
class Keys:
    internal_private: str
    internal_public: str
    token_secret: str
    national_id_key: str
    service_token_secret: str

    @classmethod
    def generate(cls) -> Keys:
        private, public = generate_keypair()
        return cls(
            private,
            public,
            secrets.token_urlsafe(48),
            base64.b64encode(secrets.token_bytes(32)).decode(),
            secrets.token_urlsafe(48),
        )


@dataclass(frozen=True)
class Database:
    owner_url: str  # owns the schemas, runs migrations, cleans between tests
    app_url: str  # what the parts serve with


# Fast password hashing for tests; production keeps argon2id's defaults.
TEST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8192}


# A child process per import job costs over a second of CPU to start, a dozen times a run: the suite's
# jobs run in the serving process, but those of tests/test_import_process.py, which run in children.
REGISTRY_TEST_SETTINGS = {"import_mode": "inline"}


def service_settings(part: str, database: Database, keys: Keys, **overrides: Any) -> Any:
    settings_cls = SERVICE_PARTS[part].settings_cls
    registry = (
        REGISTRY_TEST_SETTINGS | {"national_id_key": keys.national_id_key} if part == "registry" else {}
    )
    return settings_cls(
        database_url=database.app_url,
        migration_database_url=database.owner_url,
        migrate_on_start=False,
        internal_token_public_key=keys.internal_public,
        service_token_secret=keys.service_token_secret,
        event_relay_interval_s=0,  # tests deliver events when they choose (app.state.event_relay)
        **(registry | overrides),
    )


@contextmanager
def registry_settings(system: FastAPI, **values: Any) -> Iterator[None]:
    """The running registry's settings changed for a while (those it reads at each use)."""
    settings = system.state.local_apps["registry"].state.settings
    before = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(settings, name, value)


def gateway_settings(database: Database, keys: Keys, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database.app_url,
        "migration_database_url": database.owner_url,
        "migrate_on_start": False,
        "registry_url": None,
        "monitoring_url": None,
        "jobs_url": None,
        "projects_url": None,
        "oversight_url": None,
        "internal_token_public_key": keys.internal_public,
        "internal_token_private_key": keys.internal_private,
        "token_secret": keys.token_secret,
        "rate_limit_per_s": 10_000,
        "rate_limit_burst": 10_000,
        **TEST_HASHING,
    }
    return GatewaySettings(**(values | overrides))


def build_system(
    database: Database, keys: Keys, registry: dict[str, Any] | None = None, **gateway_overrides: Any
) -> FastAPI:
    """``registry``: settings of the registry that differ (e.g. a read replica's URL)."""
    overrides = {"registry": registry or {}}
    local_apps = {
        name: part.create_app(service_settings(name, database, keys, **overrides.get(name, {})))
        for name, part in SERVICE_PARTS.items()
    }
    link_local(local_apps)
    return GATEWAY.create_app(gateway_settings(database, keys, **gateway_overrides), local_apps=local_apps)


def asgi_client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)


@asynccontextmanager
async def gateway_with(
    database: Database, keys: Keys, local_apps: dict[str, FastAPI] | None = None, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A gateway of its own (own settings) in front of stand-in services, and an administrator's headers."""
    from tests.support.auth import ROOT_ADMIN, bootstrap_admin, sign_in

    stand_ins = {name: FastAPI() for name in SERVICE_PARTS} | (local_apps or {})
    gateway = GATEWAY.create_app(gateway_settings(database, keys, **settings), local_apps=stand_ins)
    async with gateway.router.lifespan_context(gateway), asgi_client(gateway) as client:
        await bootstrap_admin(gateway)
        yield client, await sign_in(client, ROOT_ADMIN)


# For processes that play one very busy caller: the limits have tests of their own.
NO_RATE_LIMITS = {
    "FANGPIN_GATEWAY_RATE_LIMIT_PER_S": "1000000",
    "FANGPIN_GATEWAY_RATE_LIMIT_BURST": "1000000",
}


def process_env(database: Database, keys: Keys, **extra: str) -> dict[str, str]:
    """The environment a part started as a process needs: the test database and the test keys."""
    return {
        "FANGPIN_DATABASE_URL": database.app_url,
        "FANGPIN_MIGRATION_DATABASE_URL": database.owner_url,
        "FANGPIN_INTERNAL_TOKEN_PUBLIC_KEY": keys.internal_public,
        "FANGPIN_INTERNAL_TOKEN_PRIVATE_KEY": keys.internal_private,
        "FANGPIN_GATEWAY_TOKEN_SECRET": keys.token_secret,
        "FANGPIN_SERVICE_TOKEN_SECRET": keys.service_token_secret,
        **extra,
    }
