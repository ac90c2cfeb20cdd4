"""The whole system in this process, as `fangpin serve` runs it: gateway + services over ASGI."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from fangpin.parts import GATEWAY, SERVICE_PARTS
from gateway.settings import GatewaySettings


def build_system(database_url: str, **gateway_settings: Any) -> FastAPI:
    local_apps = {
        name: part.create_app(part.settings_cls(database_url=database_url, migrate_on_start=False))
        for name, part in SERVICE_PARTS.items()
    }
    settings = GatewaySettings(
        database_url=database_url,
        migrate_on_start=False,
        registry_url=None,
        monitoring_url=None,
        jobs_url=None,
        **gateway_settings,
    )
    return GATEWAY.create_app(settings, local_apps=local_apps)


def asgi_client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)
