"""Answers compressed at the gateway as the caller accepts: gzip, or brotli (br) when asked for.

Our own small ASGI middleware rather than Starlette's GZipMiddleware, which ignores q-values
(``gzip;q=0`` still gets gzip), sync-flushes after every chunk of a stream (a CSV ledger sent in small
chunks would hardly shrink), knows gzip only and would compress an XLSX file.

What is compressed: text, JSON, CSV and XML answers of at least ``min_bytes``, and streamed ones
whatever their size (chunk by chunk as they come, never held whole). Never compressed: a 206 or
anything carrying Content-Range or Accept-Ranges (a resumed download's byte offsets are those of the
plain file), an answer already encoded or marked no-transform, and every other type (XLSX, ZIP and
images are compressed already).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from typing import Protocol

import anyio.to_thread
import brotli
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.middleware import header

# Levels chosen with bench/sync_wire.py: near the best ratio for JSON at a few ms per MB.
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
BROTLI_WINDOW_BITS = 20  # a 1 MiB window: the ratio of the default 4 MiB at a quarter of the memory
# Chunks this large are compressed on a worker thread (the codecs release the GIL), not on the loop.
THREAD_FROM_BYTES = 64 * 1024
# A stream that has sent nothing for this long is flushed, so a slow export shows progress.
FLUSH_AFTER_S = 1.0

COMPRESSIBLE_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-ndjson",
        "image/svg+xml",
    }
)
UNENCODABLE_STATUSES = frozenset({204, 205, 206, 304})


class Encoder(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...  # everything given so far, decodable now
    def finish(self) -> bytes: ...


class _Gzip:
    def __init__(self) -> None:
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def flush(self) -> bytes:
        return self._z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._z.flush(zlib.Z_FINISH)


class _Brotli:
    def __init__(self) -> None:
        self._b = brotli.Compressor(mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY, lgwin=BROTLI_WINDOW_BITS)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._b.process(data))

    def flush(self) -> bytes:
        return bytes(self._b.flush())

    def finish(self) -> bytes:
        return bytes(self._b.finish())


ENCODERS: dict[str, Callable[[], Encoder]] = {"br": _Brotli, "gzip": _Gzip}


def negotiate(accept_encoding: str | None, offered: Sequence[str]) -> str | None:
    """The coding to answer in, or None for none (RFC 9110 §12.5.3). The highest q-value wins, a tie
    goes to the first in ``offered``; ``*`` stands for every coding not named; q=0 means "not this".
    No header at all means the caller never said it can decode anything: no coding then."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        name = "gzip" if name.lower() == "x-gzip" else name.lower()
        if name:
            q = _qvalue(params)
            weights[name] = min(q, weights.get(name, q))  # named twice: a refusal wins
    anything = weights.get("*", 0.0)
    best, best_q = None, 0.0
    for coding in offered:
        q = weights.get(coding, anything)
        if q > best_q:
            best, best_q = coding, q
    identity = weights.get("identity")
    if identity is not None and identity > best_q:  # the caller prefers it plain
        return None
    return best


def _qvalue(params: list[str]) -> float:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0  # a weight we cannot read: take it as "not this"
            return q if 0.0 <= q <= 1.0 else 0.0  # also NaN and inf
    return 1.0


def compressible(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    if media.startswith("text/"):
        return media != "text/event-stream"  # each event must go out as it happens
    return media in COMPRESSIBLE_TYPES or media.endswith(("+json", "+xml"))


def encodable(status: int, headers: MutableHeaders) -> bool:
    """Could this answer go out compressed, whatever the caller accepts?"""
    if status < 200 or status in UNENCODABLE_STATUSES or "content-range" in headers:
        return False
    if headers.get("accept-ranges", "none").strip().lower() != "none":
        return False
    if headers.get("content-encoding", "identity").strip().lower() != "identity":
        return False
    if "no-transform" in headers.get("cache-control", "").lower():
        return False
    return compressible(headers.get("content-type", ""))


def add_vary(headers: MutableHeaders) -> None:
    values = [v.strip() for value in headers.getlist("vary") for v in value.split(",") if v.strip()]
    if not {v.lower() for v in values} & {"accept-encoding", "*"}:
        headers["vary"] = ", ".join([*values, "Accept-Encoding"])


class CompressionMiddleware:
    """``encodings``: the codings offered, most preferred first; none = compress nothing."""

    def __init__(self, app: ASGIApp, encodings: Sequence[str], min_bytes: int) -> None:
        unknown = set(encodings) - ENCODERS.keys()
        if unknown:
            raise ValueError(f"unknown content codings {sorted(unknown)}; known: {sorted(ENCODERS)}")
        self.app = app
        self.encodings = tuple(encodings)
        self.min_bytes = min_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.encodings:
            await self.app(scope, receive, send)
            return
        coding = negotiate(header(scope, b"accept-encoding"), self.encodings)
        if scope.get("method") == "HEAD":
            coding = None  # no body to encode; the answer still says it varies
        responder = _Responder(send, coding, self.min_bytes)
        await self.app(scope, receive, responder.send)


class _Responder:
    """One answer: passed through as it is, or encoded as its body comes (a stream chunk by chunk)."""

    def __init__(self, send: Send, coding: str | None, min_bytes: int) -> None:
        self._send = send
        self._coding = coding
        self._min_bytes = min_bytes
        self._start: Message | None = None  # held back until the first body says whether we encode
        self._passing = False
        self._encoder: Encoder | None = None
        self._last_sent = 0.0

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._begin(message)
        elif self._passing:
            await self._send(message)
        elif kind != "http.response.body":  # pathsend, trailers: nothing we can encode
            await self._pass_through()
            await self._send(message)
        else:
            await self._body(message.get("body", b""), bool(message.get("more_body", False)))

    async def _begin(self, message: Message) -> None:
        headers = MutableHeaders(raw=list(message.get("headers", [])))
        message = {**message, "headers": headers.raw}
        if not encodable(message["status"], headers):
            self._passing = True
            await self._send(message)
            return
        add_vary(headers)
        declared = headers.get("content-length", "")
        if self._coding is None or (declared.isdigit() and int(declared) < self._min_bytes):
            self._passing = True
            await self._send(message)
            return
        self._start = message

    async def _pass_through(self) -> None:
        self._passing = True
        if self._start is not None:
            await self._send(self._start)

    async def _body(self, body: bytes, more: bool) -> None:
        if self._encoder is None:
            if not more and len(body) < self._min_bytes:
                await self._pass_through()
                await self._send({"type": "http.response.body", "body": body})
                return
            # A stream starts at once, however small its first chunk: its headers are not held back.
            assert self._coding is not None
            self._encoder = ENCODERS[self._coding]()
            self._last_sent = time.monotonic()
            out = await self._encode(body, more)
            await self._send(self._encoded_start(None if more else len(out)))
        else:
            out = await self._encode(body, more)
        if out or not more:
            self._last_sent = time.monotonic()
            await self._send({"type": "http.response.body", "body": out, "more_body": more})

    def _encoded_start(self, length: int | None) -> Message:
        assert self._start is not None and self._coding is not None
        headers = MutableHeaders(raw=self._start["headers"])
        headers["content-encoding"] = self._coding
        del headers["content-length"]
        if length is not None and not self._start.get("trailers", False):
            headers["content-length"] = str(length)
        etag = headers.get("etag")
        if etag and not etag.startswith("W/"):
            headers["etag"] = f"W/{etag}"  # the same resource, but no longer these exact bytes
        return self._start

    async def _encode(self, data: bytes, more: bool) -> bytes:
        encoder = self._encoder
        assert encoder is not None
        stale = more and time.monotonic() - self._last_sent >= FLUSH_AFTER_S

        def work() -> bytes:
            out = encoder.compress(data)
            if not more:
                return out + encoder.finish()
            return out + encoder.flush() if stale and not out else out

        if len(data) >= THREAD_FROM_BYTES:
            return await anyio.to_thread.run_sync(work)
        return work()
