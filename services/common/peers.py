"""Calls from one service to another on the caller's behalf.

The caller's internal token goes along: for resources that need it the gateway names both services
in it, so the other service verifies it as usual and applies the caller's own role and scope. In one
process the peer is the other app itself (set by ``link_local``); across processes its URL is set.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Request

from services.common.auth import bearer_token
from services.common.errors import FangpinError, ServiceUnavailable
from services.common.tracing import trace_client

PEER_TIMEOUT_S = 30.0


def link_local(apps: dict[str, FastAPI]) -> None:
    """Let apps served in one process reach each other without a network hop."""
    for app in apps.values():
        app.state.local_peers = apps


def open_peer(app: FastAPI, name: str, url: str | None) -> httpx.AsyncClient | None:
    if url:
        return trace_client(app, httpx.AsyncClient(base_url=url, timeout=PEER_TIMEOUT_S))
    local = getattr(app.state, "local_peers", {}).get(name)
    if local is None:
        return None
    transport = httpx.ASGITransport(app=local, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url=f"http://{name}.local", timeout=PEER_TIMEOUT_S)
    return trace_client(app, client)


class PeerError(FangpinError):
    """The other service refused or failed; its problem is passed on as it came."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail"), code=problem.get("code") or "peer_error")
        self.status = status
        self.title = problem.get("title") or "Error"


async def call_peer(
    request: Request, client: httpx.AsyncClient | None, name: str, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A POST to another service's internal endpoint as the caller."""
    return await _ask_peer(request, client, name, "POST", path, json=body)


async def get_from_peer(
    request: Request, client: httpx.AsyncClient | None, name: str, path: str, params: dict[str, Any]
) -> dict[str, Any]:
    """A GET of another service's public read (a list, a figure) as the caller; refusals as ``call_peer``."""
    return await _ask_peer(request, client, name, "GET", path, params=params)


async def _ask_peer(
    request: Request, client: httpx.AsyncClient | None, name: str, method: str, path: str, **content: Any
) -> dict[str, Any]:
    """With the caller's own token and request id: the other service scopes it as the caller. Its
    refusal (4xx) is passed on as it came; its failure or silence is a 503 to try again."""
    if client is None:
        raise ServiceUnavailable(f"The {name} service is not configured here", code="peer_not_configured")
    headers = {"Authorization": f"Bearer {bearer_token(request)}"}
    if request_id := request.headers.get("x-request-id"):
        headers["X-Request-ID"] = request_id
    try:
        response = await client.request(method, path, headers=headers, **content)
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            f"The {name} service did not answer; try again", code="peer_unavailable"
        ) from exc
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if response.status_code >= 500:
            raise ServiceUnavailable(f"The {name} service failed; try again", code="peer_unavailable")
        raise PeerError(response.status_code, problem if isinstance(problem, dict) else {})
    answer: dict[str, Any] = response.json()
    return answer
