"""The gateway's in-process transport (gateway/upstreams.py): whatever ends the app, its reader is told,
and a complete answer never holds the client's connection for the app's teardown."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from gateway import upstreams
from gateway.upstreams import StreamingASGITransport


class Stopped(BaseException):
    """Not an Exception: what a cancellation from inside the app looks like to the transport."""


def streaming_app(after_two_chunks: BaseException | None, teardown_s: float = 0.0) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(2):
            await send({"type": "http.response.body", "body": b"row\n", "more_body": True})
        if after_two_chunks is not None:
            raise after_two_chunks
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await asyncio.sleep(teardown_s)  # work after the answer, e.g. a dependency's teardown

    return app


async def read(app: Any) -> bytes:
    async with httpx.AsyncClient(transport=StreamingASGITransport(app), base_url="http://x") as client:
        async with client.stream("GET", "/ledger") as response:
            return b"".join([chunk async for chunk in response.aiter_raw()])


@pytest.mark.parametrize("failure", [RuntimeError("bug"), Stopped()], ids=["exception", "base-exception"])
async def test_an_app_that_stops_mid_answer_breaks_it_off_and_never_strands_the_reader(
    failure: BaseException,
) -> None:
    with pytest.raises(httpx.ReadError):
        await asyncio.wait_for(read(streaming_app(failure)), 5)


async def test_a_complete_answer_is_not_held_for_a_slow_teardown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstreams, "TEARDOWN_S", 0.2)
    started = time.monotonic()
    body = await asyncio.wait_for(read(streaming_app(None, teardown_s=30)), 5)
    assert body == b"row\nrow\n"
    assert time.monotonic() - started < 2


async def test_a_quick_teardown_is_waited_for() -> None:
    assert await asyncio.wait_for(read(streaming_app(None, teardown_s=0.05)), 5) == b"row\nrow\n"


async def test_a_streamed_answer_read_slowly_ends_whole() -> None:
    """Many small chunks and a reader behind by a full queue: the end still reaches the reader (it once
    waited for ever when the last chunk found the queue full)."""
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    async def rows() -> Any:
        for number in range(40):
            yield f"row {number}\n".encode()

    async def ledger(request: Any) -> StreamingResponse:
        return StreamingResponse(rows(), media_type="text/csv")

    app = Starlette(routes=[Route("/ledger", ledger)])

    async def read_slowly() -> bytes:
        async with httpx.AsyncClient(transport=StreamingASGITransport(app), base_url="http://x") as client:
            async with client.stream("GET", "/ledger") as response:
                body = b""
                async for chunk in response.aiter_raw():
                    await asyncio.sleep(0.01)
                    body += chunk
                return body

    body = await asyncio.wait_for(read_slowly(), 10)
    assert body == b"".join(f"row {number}\n".encode() for number in range(40))
