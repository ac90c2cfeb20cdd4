"""Plain ASGI middleware (no per-request task overhead): request id, access log, metrics, body limit."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.error_handlers import problem_response
from services.common.errors import PayloadTooLarge, UnsupportedMediaType
from services.common.logging import part_var, request_id_var
from services.common.metrics import REQUEST_LATENCY, REQUESTS
from services.common.stalls import watch

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("fangpin.access")


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(scope: Scope) -> str:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return new_request_id()


def query_names(scope: Scope) -> list[str]:
    """The names of the query's parameters (their values may be personal: never logged)."""
    query = scope.get("query_string", b"").decode("latin-1")
    return sorted({pair.partition("=")[0] for pair in query.split("&") if pair})


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path or "unmatched"


class RequestContextMiddleware:
    """Sets the request id (from X-Request-ID or new), echoes it, logs and measures each request."""

    def __init__(self, app: ASGIApp, part: str) -> None:
        self.app = app
        self.part = part

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        id_token = request_id_var.set(request_id)
        part_token = part_var.set(self.part)
        status = 500
        started = time.perf_counter()
        watchdog = watch(self.part, scope.get("method", ""), scope.get("path", ""), query_names(scope))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if watchdog is not None:
                watchdog.cancel()
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = scope.get("method", "")
            REQUESTS.labels(self.part, method, route, str(status)).inc()
            REQUEST_LATENCY.labels(self.part, method, route).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "method": method,
                    "route": route,
                },
            )
            request_id_var.reset(id_token)
            part_var.reset(part_token)


UPLOAD_PATHS = ("/api/v1/imports",)  # file uploads: their own, larger limit


class BodySizeLimitMiddleware:
    """413 problem+json for bodies over the limit, by Content-Length or by counting streamed bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.body_max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uploading = scope.get("path", "").startswith(UPLOAD_PATHS) and scope.get("method") == "POST"
        limit = self.upload_max_bytes if uploading else self.body_max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes")
        error.extra["max_bytes"] = limit
        response = problem_response(error, Request(scope))
        response.headers["connection"] = "close"
        await response(scope, receive, send)


class ContentTypeMiddleware:
    """415 for a body whose Content-Type the API does not read (JSON, forms, uploads and photos only)."""

    ACCEPTED = (
        "application/json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "text/csv",
        "image/jpeg",
        "image/png",
        "image/webp",
    )
    ACCEPTED_SUFFIXES = ("+json",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and self._has_body(scope):
            media_type = (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
            if not self._accepted(media_type):
                error = UnsupportedMediaType(
                    f"Send the body as application/json (got {media_type or 'no Content-Type'})"
                )
                await problem_response(error, Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _accepted(self, media_type: str) -> bool:
        return (
            media_type in self.ACCEPTED
            or media_type.endswith(self.ACCEPTED_SUFFIXES)
            or (media_type.startswith("application/vnd.openxmlformats"))
        )

    @staticmethod
    def _has_body(scope: Scope) -> bool:
        length = _content_length(scope)
        return (length is not None and length > 0) or header(scope, b"transfer-encoding") is not None


class _BodyTooLarge(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def header(scope: Scope, name: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None
