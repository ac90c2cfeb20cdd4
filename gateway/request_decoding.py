"""gzip request bodies: a phone may send a batch with ``Content-Encoding: gzip``.

Only JSON bodies are taken encoded (batches shrink five to ten times; uploads are files that are
compressed already or travel as they are). The body is inflated here, before anything else reads it,
chunk by chunk with a cap: the decompressed size counts against the body limit (413), and so does
the compressed size, so neither a zip bomb nor an endless stream of empty gzip members gets further
than the limit. What follows sees an ordinary body with its true Content-Length. Any other coding is
415 with ``Accept-Encoding`` saying what would do (RFC 9110 §15.5.16).

The whole decoded body is held (at most the limit): the gateway's proxy holds a body of that size
anyway before forwarding it.
"""

from __future__ import annotations

import zlib

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.error_handlers import problem_response
from services.common.errors import BadRequest, FangpinError, PayloadTooLarge, UnsupportedMediaType
from services.common.middleware import header

GZIP = ("gzip", "x-gzip")
JSON_TYPES = ("application/json",)
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer, not a raw or zlib stream


class RequestDecodingMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        codings = _codings(header(scope, b"content-encoding")) if scope["type"] == "http" else []
        if not codings:
            await self.app(scope, receive, send)
            return
        try:
            _check(scope, codings)
            body = await _inflate(scope, receive, self.max_bytes)
        except FangpinError as error:
            response = problem_response(error, Request(scope))
            if isinstance(error, PayloadTooLarge):
                response.headers["connection"] = "close"  # the rest of the body is not read
            await response(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
        await self.app({**scope, "headers": headers}, _replay(body, receive), send)


def _codings(value: str | None) -> list[str]:
    """The codings applied, in order, leaving out ``identity`` (which changes nothing)."""
    if value is None:
        return []
    return [c for c in (part.strip().lower() for part in value.split(",")) if c and c != "identity"]


def _check(scope: Scope, codings: list[str]) -> None:
    if len(codings) != 1 or codings[0] not in GZIP:
        raise UnsupportedMediaType(
            f"Content-Encoding {', '.join(codings)} is not accepted; send the body as it is or gzip",
            code="unsupported_content_encoding",
            headers={"Accept-Encoding": "gzip"},
        )
    media_type = (header(scope, b"content-type") or "").partition(";")[0].strip().lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Only JSON bodies may be sent gzip-encoded (got {media_type or 'no Content-Type'})",
            code="unsupported_content_encoding",
            headers={"Accept-Encoding": "identity"},
        )


def _too_large(limit: int) -> PayloadTooLarge:
    error = PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes once decompressed")
    error.extra["max_bytes"] = limit
    return error


async def _inflate(scope: Scope, receive: Receive, limit: int) -> bytes:
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    inflater = _Inflater(limit)
    received, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            raise BadRequest("The request body broke off", code="body_incomplete")
        chunk: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        inflater.feed(chunk)
    return inflater.result(empty=received == 0)


class _Inflater:
    """gzip members one after another (RFC 1952 allows several), never more than ``limit`` bytes out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.out = bytearray()
        self._member = zlib.decompressobj(GZIP_WBITS)

    def feed(self, data: bytes) -> None:
        try:
            while data:
                # max_length bounds each step's output, so a bomb stops one byte past the limit.
                self.out += self._member.decompress(data, self.limit - len(self.out) + 1)
                if len(self.out) > self.limit:
                    raise _too_large(self.limit)
                if self._member.eof:
                    data = self._member.unused_data
                    if data:
                        self._member = zlib.decompressobj(GZIP_WBITS)
                else:
                    data = self._member.unconsumed_tail
        except zlib.error as exc:
            raise _malformed() from exc

    def result(self, empty: bool) -> bytes:
        if not empty and not self._member.eof:
            raise _malformed()
        return bytes(self.out)


def _malformed() -> BadRequest:
    return BadRequest("The body is not valid gzip (or it was cut short)", code="malformed_gzip")


def _replay(body: bytes, receive: Receive) -> Receive:
    """The decoded body as one message; after it, the connection's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
