"""Forward /api/v1 calls to the owning service and stream the answer back."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from gateway.routing import GATEWAY_RESOURCES, owning_service, resource_of
from gateway.upstreams import Upstream
from services.common.errors import (
    FangpinError,
    GatewayTimeout,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
)
from services.common.logging import request_id_var
from services.common.metrics import UPSTREAM_ERRORS
from services.common.openapi import documented_methods

logger = logging.getLogger("fangpin.gateway")

# Only these request headers cross the hop; credentials and cookies never do.
FORWARDED_REQUEST_HEADERS = (
    "accept",
    "accept-language",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "range",  # a download that broke off resumes (export files)
    "if-range",
    "user-agent",
    # W3C trace context: a traced caller's trace goes on into the service (a traced gateway replaces
    # traceparent with its own client span's).
    "traceparent",
    "tracestate",
)
BUFFER_UP_TO = 256 * 1024
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "x-request-id",
}
_HOP_BY_HOP_NAMES = frozenset(name.encode("ascii") for name in HOP_BY_HOP)
_FORWARDED_NAMES = frozenset(name.encode("ascii") for name in FORWARDED_REQUEST_HEADERS)


class BadGateway(FangpinError):
    status, code, title = 502, "bad_gateway", "Bad gateway"


def broken_off(upstream: Upstream) -> BadGateway:
    return BadGateway(f"The {upstream.name} service broke off the answer", service=upstream.name)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def upstream_headers(request: Request, extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    headers["x-request-id"] = request_id_var.get() or ""
    headers["x-forwarded-for"] = client_address(request)
    headers.update(extra or {})
    return headers


def wire_path(request: Request) -> str:
    """The path as the client sent it (still percent-encoded), so odd bytes travel safely."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(request.url.path)


def service_for(request: Request) -> str:
    service = owning_service(request.scope["path"])
    if service is None:
        if resource_of(request.url.path) in GATEWAY_RESOURCES:
            allow = documented_methods(request.app, request.url.path)
            if allow and request.method not in allow:
                # The gateway's own route exists, just not for this method.
                detail = f"{request.method} is not allowed on {request.url.path}"
                raise MethodNotAllowed(detail, headers={"Allow": ", ".join(allow)})
        raise NotFound(f"No API resource at {request.url.path}", code="unknown_path")
    return service


async def forward(
    request: Request, upstreams: dict[str, Upstream], timeout_s: float, sign: Callable[[str], str]
) -> Response:
    """Forward to the owning service with an internal token that ``sign`` makes for that service."""
    service = service_for(request)
    upstream = upstreams[service]
    length = request.headers.get("content-length", "")
    body: bytes | AsyncIterator[bytes] = b""
    if length.isdigit() and int(length) > BUFFER_UP_TO:
        body = request.stream()  # uploads pass through, never held whole
    elif length not in ("", "0") or "transfer-encoding" in request.headers:
        body = await request.body()
    headers = forwarded_headers(request, sign(service))
    response = await _send(upstream, request.method, wire_target(request), headers, body, timeout_s)
    return await relay(upstream, response)


def forwarded_headers(request: Request, token: str) -> list[tuple[bytes, bytes]]:
    """What crosses the hop, as the ASGI server gave it (names already lower case), plus our own."""
    headers: list[tuple[bytes, bytes]] = []
    for name, value in request.scope["headers"]:
        if name in _FORWARDED_NAMES and all(name != kept for kept, _ in headers):
            headers.append((name, value))
    headers += [
        (b"x-request-id", (request_id_var.get() or "").encode("latin-1")),
        (b"x-forwarded-for", client_address(request).encode("latin-1")),
        (b"authorization", b"Bearer " + token.encode("ascii")),
    ]
    return headers


def wire_target(request: Request) -> str:
    """Path and query as the client sent them (still percent-encoded), so odd bytes travel safely."""
    query: bytes = request.scope.get("query_string", b"")
    path = wire_path(request)
    return f"{path}?{query.decode('latin-1')}" if query else path


class Relayed(Response):
    """A service's answer with its own headers (less the hop's), not rebuilt through a dict."""

    def __init__(self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.raw_headers = raw_headers
        self.body = body
        self.background = None


async def relay(upstream: Upstream, response: httpx.Response) -> Response:
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP_NAMES]
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= BUFFER_UP_TO:
        # Small answers (most of them) are cheaper read whole than streamed chunk by chunk.
        try:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
        except httpx.HTTPError as exc:
            raise broken_off(upstream) from exc
        finally:
            await response.aclose()
        return Relayed(response.status_code, headers, body)
    streamed = StreamingResponse(
        response.aiter_raw(), status_code=response.status_code, background=BackgroundTask(response.aclose)
    )
    streamed.raw_headers = headers
    return streamed


async def _send(
    upstream: Upstream,
    method: str,
    target: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes | AsyncIterator[bytes],
    timeout_s: float,
) -> httpx.Response:
    """Send and wait for the status line; every failure becomes a problem the client can act on."""
    try:
        # httpx's timeouts do not cover in-process apps, and its read timeout is per read: bound it all.
        async with asyncio.timeout(timeout_s):
            return await upstream.exchange(method, target, headers, body)
    except AttributeError as exc:
        # httpcore over anyio can meet a socket the dying peer already closed while it connects
        # ("'NoneType' object has no attribute 'getpeername'"): the service is going away.
        if not _raised_in_transport(exc):
            raise
        raise _unavailable(upstream, exc) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise _unavailable(upstream, exc) from exc
    except (TimeoutError, httpx.TimeoutException) as exc:
        UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
        logger.warning("upstream %s timed out after %.1f s", upstream.name, timeout_s)
        raise GatewayTimeout(
            f"The {upstream.name} service did not answer within {timeout_s:g} s; the request may or may not "
            "have taken effect, so retry it with the same id",
            service=upstream.name,
        ) from exc
    except httpx.HTTPError as exc:
        UPSTREAM_ERRORS.labels(upstream.name, "protocol").inc()
        logger.warning("upstream %s failed: %s", upstream.name, type(exc).__name__)
        raise broken_off(upstream) from exc


def _unavailable(upstream: Upstream, exc: BaseException) -> ServiceUnavailable:
    UPSTREAM_ERRORS.labels(upstream.name, "unavailable").inc()
    logger.warning("upstream %s unavailable: %s", upstream.name, type(exc).__name__)
    return ServiceUnavailable(
        f"The {upstream.name} service is not reachable; try again shortly",
        code="upstream_unavailable",
        headers={"Retry-After": "5"},
        service=upstream.name,
    )


def _raised_in_transport(exc: BaseException) -> bool:
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    filename = frame.tb_frame.f_code.co_filename if frame is not None else ""
    return any(f"{os.sep}{package}{os.sep}" in filename for package in ("anyio", "httpcore"))
