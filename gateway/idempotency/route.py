"""The gateway's own writes (users, API keys) take an Idempotency-Key as the forwarded ones do."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from gateway.idempotency.service import HEADER, IDEMPOTENCY_KEY_PARAMETER, SAFE_METHODS, IdempotencyKeys
from gateway.identity.context import caller


class IdempotentRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if (self.methods or set()) - SAFE_METHODS:
            extra = dict(self.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), dict(IDEMPOTENCY_KEY_PARAMETER)]
            self.openapi_extra = extra

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if request.method in SAFE_METHODS or HEADER not in request.headers:
                return await handler(request)
            keys: IdempotencyKeys = request.app.state.idempotency
            return await keys.answer(request, await caller(request), lambda: handler(request))

        return route
