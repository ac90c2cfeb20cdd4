"""The gateway's keep-alive transport to services (gateway/upstream_connections.py), against real
servers on loopback: uvicorn serving a small app, and a raw socket server for answers uvicorn never
gives (no length, a close mid-answer, garbage, silence)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway import upstream_connections
from gateway.upstream_connections import KeepAliveTransport

BIG = 3 * 1024 * 1024  # well past the transport's high-water mark: reading pauses and resumes


async def _echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {"method": request.method, "bytes": len(body), "sum": sum(body) % 65_521, "peer": request.client.port}  # type: ignore[union-attr]
    )


async def _big(request: Request) -> Response:
    async def rows() -> AsyncIterator[bytes]:
        for _ in range(BIG // 4096):
            yield b"x" * 4096

    return StreamingResponse(rows(), media_type="text/plain")


async def _empty(request: Request) -> Response:
    return Response(status_code=204)


async def _closing(request: Request) -> Response:
    return JSONResponse({"peer": request.client.port}, headers={"connection": "close"})  # type: ignore[union-attr]


APP = Starlette(
    routes=[
        Route("/echo", _echo, methods=["GET", "HEAD", "POST", "PUT"]),
        Route("/big", _big),
        Route("/empty", _empty),
        Route("/closing", _closing),
    ]
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def served(keep_alive_s: int = 5) -> AsyncIterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # callers queue here until the server takes over the socket
    config = uvicorn.Config(APP, log_level="warning", timeout_keep_alive=keep_alive_s)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def client(url: str, max_connections: int = 10, **timeouts: float) -> AsyncIterator[httpx.AsyncClient]:
    transport = KeepAliveTransport(url, max_connections)
    timeout = httpx.Timeout(5, **timeouts)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout) as http:
        yield http


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await handler(reader, writer)
        except asyncio.IncompleteReadError:
            pass  # the client left
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_a_connection_is_kept_and_reused_and_bodies_arrive_whole() -> None:
    body = bytes(range(256)) * 1000
    async with served() as url, client(url) as http:
        first = (await http.post("/echo", content=body)).json()
        second = (await http.get("/echo")).json()
    assert first == {"method": "POST", "bytes": len(body), "sum": sum(body) % 65_521, "peer": first["peer"]}
    assert second["method"] == "GET" and second["bytes"] == 0
    assert first["peer"] == second["peer"]  # the same connection


async def test_a_streamed_upload_goes_chunked_and_arrives_whole() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for index in range(50):
            yield bytes([index]) * 10_000

    async with served() as url, client(url) as http:
        answer = (await http.put("/echo", content=parts())).json()
    assert answer["bytes"] == 500_000
    assert answer["sum"] == sum(index * 10_000 for index in range(50)) % 65_521


async def test_a_large_answer_streams_whole_and_the_connection_serves_again() -> None:
    async with served() as url, client(url) as http:
        async with http.stream("GET", "/big") as response:
            total = 0
            async for chunk in response.aiter_raw():
                total += len(chunk)
                await asyncio.sleep(0)  # a reader slower than the socket
        assert total == BIG
        assert (await http.get("/echo")).json()["method"] == "GET"


async def test_head_and_no_content_answers_end_at_their_headers() -> None:
    async with served() as url, client(url, max_connections=1) as http:
        head = await http.head("/echo")
        assert head.status_code == 200 and int(head.headers["content-length"]) > 0 and head.content == b""
        assert (await http.get("/empty")).status_code == 204
        assert (await http.get("/echo")).json()["method"] == "GET"


async def test_a_connection_the_service_closes_is_not_reused() -> None:
    async with served(keep_alive_s=1) as url, client(url, max_connections=1) as http:
        first = (await http.get("/closing")).json()
        second = (await http.get("/echo")).json()
        assert first["peer"] != second["peer"]
        await asyncio.sleep(1.5)  # the service's keep-alive ends: it closes the idle connection
        third = (await http.get("/echo")).json()
        assert third["peer"] != second["peer"]


async def test_an_idle_connection_past_its_expiry_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream_connections, "IDLE_EXPIRY_S", 0.1)
    async with served() as url, client(url) as http:
        first = (await http.get("/echo")).json()
        await asyncio.sleep(0.2)
        assert (await http.get("/echo")).json()["peer"] != first["peer"]


async def test_an_answer_abandoned_halfway_closes_its_connection_and_frees_the_slot() -> None:
    async with served() as url, client(url, max_connections=1, pool=1) as http:
        async with http.stream("GET", "/big") as response:
            async for _ in response.aiter_raw():
                break
        assert (await http.get("/echo")).json()["method"] == "GET"


async def test_an_answer_without_a_length_ends_with_the_connection() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end")
        await writer.drain()

    async with raw_server(answer) as url, client(url) as http:
        assert (await http.get("/")).text == "until the end"


@pytest.mark.parametrize(
    "sent",
    [b"", b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort", b"this is not HTTP\r\n\r\n"],
    ids=["nothing", "cut-short", "garbage"],
)
async def test_a_broken_answer_is_a_protocol_error(sent: bytes) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(sent)
        await writer.drain()

    async with raw_server(answer) as url, client(url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/")


async def test_a_silent_service_is_a_read_timeout() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with raw_server(answer) as url, client(url, read=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/")


async def test_no_listener_is_a_connect_error() -> None:
    async with client(f"http://127.0.0.1:{_free_port()}") as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/")


async def test_a_full_pool_waits_then_times_out() -> None:
    async with served() as url, client(url, max_connections=1, pool=0.2) as http:
        async with http.stream("GET", "/big"):
            with pytest.raises(httpx.PoolTimeout):
                await http.get("/echo")
        assert (await http.get("/echo")).status_code == 200


def test_it_runs_on_uvloop_as_the_servers_do() -> None:
    async def exchange() -> int:
        async with served() as url, client(url) as http:
            return (await http.post("/echo", json={"a": 1})).json()["bytes"]

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(exchange()) == len(b'{"a":1}')


def closes_the_second_request_unanswered() -> Handler:
    """The first connection answers once, then closes as the next request arrives (a keep-alive that
    ended just then); later connections answer every request."""
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%d" % (len(str(connections)), connections)
            )
            await writer.drain()
            if not await reader.readuntil(b"\r\n\r\n") or connections == 1:
                return

    return answer


@pytest.mark.parametrize(
    ("method", "headers"), [("GET", {}), ("POST", {"idempotency-key": "k1"})], ids=["get", "keyed-post"]
)
async def test_a_replayable_request_on_a_connection_closed_as_it_was_sent_goes_again(
    method: str, headers: dict[str, str]
) -> None:
    async with raw_server(closes_the_second_request_unanswered()) as url, client(url) as http:
        assert (await http.get("/")).text == "1"
        assert (await http.request(method, "/", headers=headers)).text == "2"


async def test_a_plain_write_on_a_connection_closed_as_it_was_sent_is_not_sent_again() -> None:
    async with raw_server(closes_the_second_request_unanswered()) as url, client(url) as http:
        assert (await http.get("/")).text == "1"
        with pytest.raises(httpx.TransportError):  # the close seen while writing, or after
            await http.post("/", content=b"{}")


async def test_send_without_an_httpx_request_frames_the_body_itself() -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b"cd"

    timeouts: dict[str, float | None] = {"connect": 5, "read": 5, "write": 5, "pool": 5}
    async with served() as url:
        transport = KeepAliveTransport(url, 2)
        try:
            for body, expected in [(b"", 0), (b"abc", 3), (parts(), 4)]:
                response = await transport.send("PUT", b"/echo", [], body, timeouts)
                assert response.status_code == 200
                assert (await response.aread()).count(b'"bytes":%d' % expected) == 1
                await response.aclose()
            read = await transport.send("GET", b"/echo?x=1", [(b"accept", b"*/*")], b"", timeouts)
            assert b'"method":"GET"' in await read.aread()
            await read.aclose()
        finally:
            await transport.aclose()
