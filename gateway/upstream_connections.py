"""A lean HTTP/1.1 keep-alive transport for httpx: the gateway's hop to a service over the network.

httpx's own pool (httpcore) checks every pooled connection on every request and again on every
release (a poll() system call and a dict of socket attributes built per connection, and a list of all
connections per idle one): with 32 callers that was a third of the gateway's CPU per proxied request.
Here an idle connection is taken from a stack, last used first, in constant time; a connection the
service closes says so itself (``connection_lost``), so nothing needs polling. The response is parsed by
httptools (C, as uvicorn uses on the serving side) and streamed with flow control: reading pauses while
more than ``HIGH_WATER`` bytes wait for the reader.

What it keeps of httpx's behaviour: its timeouts (connect, read, write, pool) and its exceptions
(``ConnectError``, ``ConnectTimeout``, ``PoolTimeout``, ``ReadTimeout``, ``WriteTimeout``,
``RemoteProtocolError``), so callers and tracing (which wraps ``handle_async_request``) see no
difference. One retry only: a request that changes nothing (or carries an Idempotency-Key) sent on a
reused connection that the service closed before answering anything goes once more on a new one; the
pool it replaces checked each idle socket with poll() instead, which a busy event loop makes no safer.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import cast

import httptools
import httpx

HIGH_WATER = 256 * 1024  # response bytes buffered before reading from the socket pauses
LOW_WATER = 64 * 1024
# An idle connection older than this is closed rather than reused: well below uvicorn's 5 s keep-alive
# (counted from the service's last byte, which a busy gateway reads a while later), so the service
# seldom closes one just as a request goes out on it.
IDLE_EXPIRY_S = 2.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_BODY_STATUSES = frozenset({204, 304})
_CHUNKED = (b"transfer-encoding", b"chunked")


class _Connection(asyncio.Protocol):
    """One socket to the service: one exchange at a time, parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.idle_since = 0.0
        self._writable: asyncio.Future[None] | None = None
        self._begin_exchange(head_only=False)

    def _begin_exchange(self, head_only: bool) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head_only = head_only
        self._informational = False
        self._until_close = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self.silent = True  # nothing of the answer received yet
        self.head_received = False
        self.complete = False
        self.keep_alive = False
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.silent = False
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"the service sent an invalid answer: {exc}"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.head_received and self._until_close and not self.complete:
            self.complete = True  # an answer without a length ends where the connection does
            self._wake()
        elif not self.complete:
            self._fail(httpx.RemoteProtocolError("the service closed the connection before answering whole"))
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._informational = True  # e.g. 100 Continue: the real answer follows
            self.headers = []
            return
        self.status = status
        self.keep_alive = self._parser.should_keep_alive()
        names = {name.lower() for name, _ in self.headers}
        self._until_close = not ({b"content-length", b"transfer-encoding"} & names) and not (
            self._head_only or status in NO_BODY_STATUSES
        )
        self.head_received = True
        if self._head_only:
            self.complete = True  # a HEAD answer has no body, whatever its Content-Length says
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self.complete = True
        self._wake()

    # used by the transport
    def start(self, head_only: bool) -> None:
        self._begin_exchange(head_only)

    async def write(self, data: bytes, timeout_s: float | None) -> None:
        if self.lost or self.transport is None:
            raise httpx.WriteError("the connection to the service is closed")
        self.transport.write(data)
        if self._writable is not None:
            try:
                async with asyncio.timeout(timeout_s):
                    await self._writable
            except TimeoutError as exc:
                raise httpx.WriteTimeout("writing to the service timed out") from exc

    async def wait_head(self, timeout_s: float | None) -> None:
        while not self.head_received:
            await self._wait(timeout_s)

    async def next_chunk(self, timeout_s: float | None) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while not self._chunks:
            if self.complete:
                return None
            await self._wait(timeout_s)
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered < LOW_WATER and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.lost and not self._chunks

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()

    async def _wait(self, timeout_s: float | None) -> None:
        if self._error is not None:
            raise self._error
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout_s):
                await self._waiter
        except TimeoutError as exc:
            raise httpx.ReadTimeout("the service did not answer in time") from exc
        finally:
            self._waiter = None
        if self._error is not None:
            raise self._error

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()
        if self.transport is not None:
            self.transport.close()


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """At most ``max_connections`` connections to ``url``'s host; idle ones reused, newest first."""

    def __init__(self, url: str, max_connections: int) -> None:
        target = httpx.URL(url)
        if target.scheme != "http":
            raise ValueError(f"upstream {url}: only plain http is spoken on the hop")
        self.host = target.host
        self.port = target.port or 80
        self._host_header = target.netloc
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        body: bytes | AsyncIterable[bytes] = request.stream
        if isinstance(request.stream, httpx.ByteStream):
            body = b"".join([part async for part in request.stream])
        timeouts = request.extensions.get("timeout", {})
        outgoing = _Outgoing(request.method, request.url.raw_path, request.headers.raw, body, timeouts)
        return await self._handle(outgoing)

    async def send(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterable[bytes],
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        """What ``handle_async_request`` does, without building an httpx.Request first (its URL parsing
        and header normalising cost a tenth of a forwarded read). ``headers`` lack Host and the body's
        length, which are added here."""
        framing: tuple[bytes, bytes] | None = _CHUNKED
        if isinstance(body, bytes):
            framing = (b"content-length", b"%d" % len(body))
        if isinstance(body, bytes) and not body and method in SAFE_METHODS:
            framing = None  # as httpx sends a read without a body
        complete = [(b"host", self._host_header), *headers, *([framing] if framing else [])]
        return await self._handle(_Outgoing(method, target, complete, body, timeouts))

    async def _handle(self, outgoing: _Outgoing) -> httpx.Response:
        if self._slots.locked():  # a timer only when it has to wait: most requests find a slot free
            try:
                async with asyncio.timeout(outgoing.timeouts.get("pool")):
                    await self._slots.acquire()
            except TimeoutError as exc:
                raise httpx.PoolTimeout("no connection to the service came free in time") from exc
        else:
            await self._slots.acquire()
        try:
            connection = await self._exchange(outgoing, reuse=True)
        except BaseException:
            self._slots.release()
            raise
        return httpx.Response(
            connection.status,
            headers=connection.headers,
            stream=_ResponseBody(self, connection, outgoing.timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def _exchange(self, outgoing: _Outgoing, reuse: bool) -> _Connection:
        """Send the request and wait for the answer's head; the connection is the caller's after."""
        connection = self._idle_connection() if reuse else None
        reused = connection is not None
        if connection is None:
            connection = await self._connect(outgoing.timeouts.get("connect"))
        try:
            connection.start(head_only=outgoing.method == "HEAD")
            await self._send_request(connection, outgoing)
            await connection.wait_head(outgoing.timeouts.get("read"))
            return connection
        except (httpx.RemoteProtocolError, httpx.WriteError):
            self._discard(connection)
            if reused and connection.silent and outgoing.replayable():
                # The service closed the idle connection as the request went out (its keep-alive
                # ended): it never saw the request, so it is sent once more on a new connection.
                return await self._exchange(outgoing, reuse=False)
            raise
        except BaseException:
            self._discard(connection)
            raise

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.lost and now - connection.idle_since < IDLE_EXPIRY_S:
                return connection
            self._discard(connection)
        return None

    async def _connect(self, timeout_s: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout_s):
                _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        self._open.add(connection)
        return connection

    async def _send_request(self, connection: _Connection, outgoing: _Outgoing) -> None:
        write_timeout = outgoing.timeouts.get("write")
        lines = [outgoing.method.encode("ascii"), b" ", outgoing.target, b" HTTP/1.1\r\n"]
        chunked = False
        for name, value in outgoing.headers:
            lines += (name, b": ", value, b"\r\n")
            chunked = chunked or (name.lower() == b"transfer-encoding" and value.lower() == b"chunked")
        lines.append(b"\r\n")
        head = b"".join(lines)
        if isinstance(outgoing.body, bytes) and not chunked:
            # The usual case, a body held whole: one write for head and body.
            await connection.write(head + outgoing.body, write_timeout)
            return
        await connection.write(head, write_timeout)
        parts = [outgoing.body] if isinstance(outgoing.body, bytes) else outgoing.body
        async for part in _each(parts):
            if chunked and part:
                part = b"%x\r\n%b\r\n" % (len(part), part)
            if part:
                await connection.write(part, write_timeout)
        if chunked:
            await connection.write(b"0\r\n\r\n", write_timeout)

    def release(self, connection: _Connection) -> None:
        """The exchange is over: the connection is kept for the next one if it can be."""
        if connection.reusable():
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            self._discard(connection)
        self._slots.release()

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._open.discard(connection)

    async def aclose(self) -> None:
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()


@dataclass
class _Outgoing:
    method: str
    target: bytes  # path and query, as they go on the request line
    headers: list[tuple[bytes, bytes]]  # all of them, Host and the body's framing included
    body: bytes | AsyncIterable[bytes]
    timeouts: dict[str, float | None]  # httpx's: connect, read, write, pool

    def replayable(self) -> bool:
        """Safe to send twice: a method that changes nothing, or a write the service will recognise by
        its Idempotency-Key; and a body held whole (a streamed one is spent)."""
        keyed = any(name.lower() == b"idempotency-key" for name, _ in self.headers)
        return (self.method in SAFE_METHODS or keyed) and isinstance(self.body, bytes)


async def _each(parts: Iterable[bytes] | AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(parts, AsyncIterable):
        async for part in parts:
            yield part
    else:
        for part in parts:
            yield part


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, transport: KeepAliveTransport, connection: _Connection, read_timeout: float | None):
        self._transport = transport
        self._connection: _Connection | None = connection
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpx.StreamClosed()
        while (chunk := await connection.next_chunk(self._read_timeout)) is not None:
            yield chunk

    async def aclose(self) -> None:
        # Once only; a body not read to its end leaves the connection unusable, and it is closed.
        connection, self._connection = self._connection, None
        if connection is not None:
            self._transport.release(connection)
