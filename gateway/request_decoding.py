"""gzip request bodies: a phone may send a batch with ``Content-Encoding: gzip``.

Only JSON bodies are taken encoded (batches shrink five to ten times; uploads are files that are
compressed already or travel as they are); any other coding is 415 with ``Accept-Encoding`` saying
what would do (RFC 9110 §15.5.16). The body is inflated as it is read, chunk by chunk, and never past
the body limit: what it inflates to is counted by the body limit further in (413), what is sent is
counted here against the same limit (so an endless run of empty gzip members is 413 too), and each
step of the decompressor stops one byte past what is left, so a zip bomb costs no more than the limit.

Inflating waits until a route reads the body: the proxy reads it only after the caller is
authenticated and within its rate, so nobody who is not let in makes the gateway inflate anything.
"""

from __future__ import annotations

import zlib

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.error_handlers import problem_response
from services.common.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from services.common.middleware import header

GZIP = ("gzip", "x-gzip")
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
        refusal = _refusal(scope, codings, self.max_bytes)
        if refusal is not None:
            response = problem_response(refusal, Request(scope))
            if isinstance(refusal, PayloadTooLarge):
                response.headers["connection"] = "close"  # the body is not read
            await response(scope, receive, send)
            return
        # What follows sees a plain body of unknown length (the sent length is not the body's).
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        headers.append((b"transfer-encoding", b"chunked"))
        await self.app({**scope, "headers": headers}, _inflating(receive, self.max_bytes), send)


def _codings(value: str | None) -> list[str]:
    """The codings applied, in order, leaving out ``identity`` (which changes nothing)."""
    if value is None:
        return []
    return [c for c in (part.strip().lower() for part in value.split(",")) if c and c != "identity"]


def _refusal(scope: Scope, codings: list[str], limit: int) -> UnsupportedMediaType | PayloadTooLarge | None:
    if len(codings) != 1 or codings[0] not in GZIP:
        return UnsupportedMediaType(
            f"Content-Encoding {', '.join(codings)} is not accepted; send the body as it is or gzip",
            code="unsupported_content_encoding",
            headers={"Accept-Encoding": "gzip"},
        )
    media_type = (header(scope, b"content-type") or "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return UnsupportedMediaType(
            f"Only JSON bodies may be sent gzip-encoded (got {media_type or 'no Content-Type'})",
            code="unsupported_content_encoding",
            headers={"Accept-Encoding": "identity"},
        )
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return too_large(limit)
    return None


def too_large(limit: int) -> PayloadTooLarge:
    error = PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes (sent or decompressed)")
    error.extra["max_bytes"] = limit
    return error


def malformed() -> BadRequest:
    return BadRequest("The body is not valid gzip (or it was cut short)", code="malformed_gzip")


def _inflating(receive: Receive, limit: int) -> Receive:
    """``receive`` with each chunk inflated; errors are raised to whoever reads the body."""
    inflater = _Inflater(limit)
    received, ended = 0, False

    async def inflating_receive() -> Message:
        nonlocal received, ended
        while not ended:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return message
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise too_large(limit)
            out = inflater.feed(chunk)
            if not message.get("more_body", False):
                ended = True
                inflater.check_ended(nothing_sent=received == 0)
                return {"type": "http.request", "body": out, "more_body": False}
            if out:
                return {"type": "http.request", "body": out, "more_body": True}
        return await receive()  # after the body: the disconnect, when it comes

    return inflating_receive


class _Inflater:
    """gzip members one after another (RFC 1952 allows several), never more than ``limit`` bytes out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._member = zlib.decompressobj(GZIP_WBITS)

    def feed(self, data: bytes) -> bytes:
        pieces: list[bytes] = []
        try:
            while data:
                # max_length bounds each step's output: a bomb stops one byte past the limit.
                piece = self._member.decompress(data, self.limit - self.total + 1)
                self.total += len(piece)
                if self.total > self.limit:
                    raise too_large(self.limit)
                pieces.append(piece)
                if self._member.eof:
                    data = self._member.unused_data
                    if data:
                        self._member = zlib.decompressobj(GZIP_WBITS)
                else:
                    data = self._member.unconsumed_tail
        except zlib.error as exc:
            raise malformed() from exc
        return b"".join(pieces)

    def check_ended(self, nothing_sent: bool) -> None:
        if not nothing_sent and not self._member.eof:
            raise malformed()
