"""Reads of a service's resources, forwarded without FastAPI's per-request route machinery.

GET, HEAD and OPTIONS of a path a service owns are most of what the gateway does, and all it does for
them is authenticate the caller and forward. As a FastAPI route each paid for the framework's request
handling (dependency solving, an exit stack, a response wrapper) and for a walk past every route of the
gateway's own before the catch-all. This route is matched first, for those methods and paths only,
and calls the same ``caller`` and ``forward`` the catch-all does. It sits where FastAPI's routes sit,
inside the exception middleware, so a refusal is the same problem+json; its template in logs, metrics
and traces is the catch-all's. Writes keep the catch-all route: idempotency keys, audited refusals and
village merges live there.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from gateway.identity.context import caller, identity_of
from gateway.proxy import forward
from gateway.routing import API_PREFIX, GATEWAY_RESOURCES, ROUTES, audiences, resource_of
from gateway.settings import GatewaySettings
from services.common.auth import Principal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CATCH_ALL = f"{API_PREFIX}/{{path:path}}"


def forwarded_read(scope: Scope) -> bool:
    resource = resource_of(scope["path"])
    return (
        scope["type"] == "http"
        and scope["method"] in READ_METHODS
        and resource in ROUTES
        and resource not in GATEWAY_RESOURCES
    )


class ServiceReads(BaseRoute):
    path = path_format = CATCH_ALL  # how logs, metrics and traces name it, as before

    def __init__(self, settings: GatewaySettings) -> None:
        self.timeout_s = settings.upstream_timeout_s

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if forwarded_read(scope):
            return Match.FULL, {"route": self, "path_params": {}}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        principal = await caller(request)
        response = await forward(
            request,
            request.app.state.upstreams,
            self.timeout_s,
            sign=lambda service: _token(request, principal, service),
        )
        await response(scope, receive, send)


def _token(request: Request, principal: Principal, service: str) -> str:
    return identity_of(request).signer.sign(principal, audiences(request.scope["path"], service))
