"""One long-lived httpx client per service, over the network or straight into an in-process app."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from gateway.settings import GatewaySettings


@dataclass
class Upstream:
    name: str
    client: httpx.AsyncClient
    in_process: bool

    async def aclose(self) -> None:
        await self.client.aclose()


def build_upstream(name: str, settings: GatewaySettings, *, url: str | None, app: ASGIApp | None) -> Upstream:
    timeout = httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s)
    if url is not None:
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_max_connections,
            keepalive_expiry=30,
        )
        transport = httpx.AsyncHTTPTransport(limits=limits, retries=0)
        client = httpx.AsyncClient(base_url=url.rstrip("/"), transport=transport, timeout=timeout)
        return Upstream(name, client, in_process=False)
    if app is None:
        raise ValueError(f"upstream {name}: give a URL or an in-process app")
    # raise_app_exceptions=False: an in-process service's 500 reaches the gateway as a response, as over HTTP.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(base_url=f"http://{name}.local", transport=transport, timeout=timeout)
    return Upstream(name, client, in_process=True)
