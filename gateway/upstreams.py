"""One long-lived httpx client per service, over the network or straight into an in-process app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from gateway.settings import GatewaySettings
from gateway.upstream_connections import KeepAliveTransport


@dataclass
class Upstream:
    """``client`` for calls of our own; ``exchange`` for forwarding, straight to the client's transport."""

    name: str
    client: httpx.AsyncClient
    in_process: bool
    transport: httpx.AsyncBaseTransport
    base_url: str  # without its trailing slash: forwarded paths start with one
    traced: bool = False  # its calls are traced (set when tracing is on)

    def __post_init__(self) -> None:
        self.base_path = self.client.base_url.raw_path.decode("ascii").rstrip("/")  # a URL's own path

    async def exchange(
        self,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        content: bytes | AsyncIterator[bytes],
    ) -> httpx.Response:
        """``target`` (path and query) on the service, skipping what the client does per request (URL
        merging, default headers, cookies, redirects, auth hooks), which cost more than the hop itself.
        Traced, it goes through the transport's ``handle_async_request``, which tracing wraps."""
        timeouts = self.client.timeout.as_dict()
        if isinstance(self.transport, KeepAliveTransport) and not self.traced:
            path = self.base_path + target
            return await self.transport.send(method, path.encode("latin-1"), headers, content, timeouts)
        request = httpx.Request(
            method, self.base_url + target, headers=headers, content=content, extensions={"timeout": timeouts}
        )
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.client.aclose()


def build_upstream(name: str, settings: GatewaySettings, *, url: str | None, app: ASGIApp | None) -> Upstream:
    timeout = httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s)
    if url is not None:
        remote = KeepAliveTransport(url, settings.upstream_max_connections)
        client = httpx.AsyncClient(base_url=url.rstrip("/"), transport=remote, timeout=timeout)
        return Upstream(name, client, False, remote, str(client.base_url).rstrip("/"))
    if app is None:
        raise ValueError(f"upstream {name}: give a URL or an in-process app")
    local = StreamingASGITransport(app)
    client = httpx.AsyncClient(base_url=f"http://{name}.local", transport=local, timeout=timeout)
    return Upstream(name, client, True, local, str(client.base_url).rstrip("/"))


_END = object()  # the answer is complete
TEARDOWN_S = 10.0  # how long a complete answer's app may take to finish afterwards
logger = logging.getLogger(__name__)


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Into an in-process app, answering at its status line and streaming its body, as over HTTP.

    httpx's own ASGITransport holds a whole answer before returning any of it: a ledger of a county
    would be held whole in the gateway and wait for its last row (and the gateway's timeout) before its
    first byte left. Here the body passes through a short queue, so a slow reader holds the app back
    (memory stays flat), and a reader that goes away stops it. As over HTTP, an app that fails before
    answering is a 500, and one that fails in the middle of an answer breaks it off (httpx.ReadError)."""

    QUEUED_CHUNKS = 4

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        started: asyncio.Future[tuple[int, list[Any]]] = asyncio.get_running_loop().create_future()
        chunks: asyncio.Queue[Any] = asyncio.Queue(self.QUEUED_CHUNKS)
        over = asyncio.Event()  # the answer is complete, or its reader gone
        finished, sent_whole_body = False, False
        body = aiter(request.stream)

        async def receive() -> Message:
            nonlocal sent_whole_body
            if sent_whole_body:
                await over.wait()
                return {"type": "http.disconnect"}
            try:
                chunk = await anext(body)
            except StopAsyncIteration:
                sent_whole_body = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                started.set_result((message["status"], message.get("headers", [])))
            elif message["type"] == "http.response.body" and not finished:
                if (data := message.get("body", b"")) and request.method != "HEAD":
                    await chunks.put(data)
                if not message.get("more_body", False):
                    finished = True
                    # The end is queued before the app may see the client leave: Starlette's
                    # StreamingResponse stops its sender when receive() says "disconnect", and a sender
                    # stopped while waiting for room for _END (a reader behind by a full queue) left
                    # the reader waiting for it for ever.
                    await chunks.put(_END)
                    over.set()

        async def run() -> None:
            ending: Any = _END
            try:
                await self.app(_scope(request), receive, send)
            except Exception as exc:  # noqa: BLE001 - passed on as over HTTP
                ending = httpx.ReadError(f"the in-process app failed: {type(exc).__name__}")
            except BaseException:
                ending = httpx.ReadError("the in-process app was stopped")
                raise
            else:
                ending = httpx.ReadError("the in-process app ended without finishing its answer")
            finally:
                # Whatever ended the app, its reader is told: a reader waiting on a queue nobody fills
                # again would hold the client's connection until its timeout.
                if not started.done():
                    started.set_result((500, []))
                    ending = _END
                if not finished:
                    _put_last(chunks, ending)

        task = asyncio.create_task(run())
        try:
            status, headers = await asyncio.shield(started)
        except BaseException:
            await _abandon(task, over)
            raise
        return httpx.Response(status, headers=headers, stream=_QueuedBody(chunks, task, over))


def _put_last(chunks: asyncio.Queue[Any], item: Any) -> None:
    """The last item, without waiting: room is made by dropping what a reader that left never took."""
    while True:
        try:
            chunks.put_nowait(item)
            return
        except asyncio.QueueFull:
            chunks.get_nowait()


class _QueuedBody(httpx.AsyncByteStream):
    def __init__(self, chunks: asyncio.Queue[Any], task: asyncio.Task[None], over: asyncio.Event) -> None:
        self.chunks, self.task, self.over = chunks, task, over
        self.complete = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.chunks.get()) is not _END:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk
        self.complete = True

    async def aclose(self) -> None:
        if self.complete:
            # What the app does after answering (its dependencies' teardown) still runs, but the
            # client's connection is not held for it past TEARDOWN_S.
            done, _ = await asyncio.wait({self.task}, timeout=TEARDOWN_S)
            if not done:
                logger.warning("an in-process answer's teardown took over %s s; stopped it", TEARDOWN_S)
        await _abandon(self.task, self.over)


async def _abandon(task: asyncio.Task[None], over: asyncio.Event) -> None:
    """The reader went away (or the answer is over): the app sees the client leave, and is stopped.
    How the app ended was already passed to its reader; here it is only collected."""
    over.set()
    if not task.done():
        task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()


def _scope(request: httpx.Request) -> dict[str, Any]:
    """The ASGI scope of a request, as httpx's ASGITransport makes it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
        "scheme": request.url.scheme,
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "server": (request.url.host, request.url.port),
        "client": ("127.0.0.1", 123),
        "root_path": "",
    }
