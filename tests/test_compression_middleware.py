"""The gateway's compression middleware on its own: streams, what it leaves alone, headers, q-values."""

from __future__ import annotations

import gzip
import random

import brotli
import pytest
from starlette.types import Message, Receive, Scope, Send

from gateway import compression
from gateway.compression import CompressionMiddleware, negotiate

CSV_LINE = "6109241052010001,王建国,户主,男,1970-03-04,健康,全劳动力\n".encode()


def app_of(status: int, headers: dict[str, str], chunks: list[bytes]):  # noqa: ANN201
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        for index, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < len(chunks) - 1})

    return app


async def run(
    app,
    accept: str | None = "gzip",
    method: str = "GET",
    encodings: tuple[str, ...] = ("br", "gzip"),  # noqa: ANN001
) -> tuple[dict[str, str], list[bytes]]:
    """(the answer's headers, its body messages' bytes) as the middleware sends them."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"accept-encoding", accept.encode())] if accept is not None else []
    scope = {"type": "http", "method": method, "path": "/", "headers": headers}
    await CompressionMiddleware(app, encodings, min_bytes=1024)(scope, receive, send)
    start, bodies = sent[0], sent[1:]
    assert start["type"] == "http.response.start" and not bodies[-1].get("more_body", False)
    return {k.decode(): v.decode() for k, v in start["headers"]}, [m["body"] for m in bodies]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", "gzip"),
        ("br, gzip", "br"),
        ("gzip;q=0.9, br;q=0.8", "gzip"),
        ("GZIP ; Q=0.5", "gzip"),
        ("gzip;q=0", None),
        ("br;q=0, gzip;q=0", None),
        ("*", "br"),
        ("*;q=0", None),
        ("br;q=0, *", "gzip"),
        ("gzip;q=2", None),  # not a q-value: taken as "not this"
        ("gzip;q=nan", None),
        ("gzip;q=x", None),
        ("gzip, gzip;q=0", None),  # named twice: the refusal wins
        ("identity;q=0.5, gzip;q=0.4", None),
        ("identity;q=0, gzip", "gzip"),
        ("compress, deflate", None),
        (",,", None),
        (None, None),
    ],
)
def test_negotiation_honours_q_values(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, ("br", "gzip")) == expected


async def test_a_stream_is_encoded_chunk_by_chunk_not_held_whole() -> None:
    rng = random.Random(5)
    rows = [f"61092410520{rng.randrange(10**5):05d},{rng.random():.6f}\n".encode() for _ in range(40 * 800)]
    chunks = [b"".join(rows[i : i + 800]) for i in range(0, len(rows), 800)]  # 40 chunks of ~20 KB
    headers, bodies = await run(app_of(200, {"content-type": "text/csv; charset=utf-8"}, chunks))
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert headers["vary"] == "Accept-Encoding"
    assert len([b for b in bodies if b]) > 2  # out before the stream ended
    assert gzip.decompress(b"".join(bodies)) == b"".join(chunks)


async def test_a_stream_that_goes_quiet_is_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compression, "FLUSH_AFTER_S", 0.0)
    chunks = [CSV_LINE * 3 for _ in range(5)]  # small chunks no compressor would emit on its own
    headers, bodies = await run(app_of(200, {"content-type": "text/csv"}, chunks), accept="br")
    assert headers["content-encoding"] == "br"
    assert all(bodies) and len(bodies) == len(chunks)  # every chunk readable as it came
    assert brotli.decompress(b"".join(bodies)) == b"".join(chunks)


async def test_a_whole_answer_gets_its_true_length_and_a_weak_etag() -> None:
    body = b'{"items": [' + b'{"name": "\\u738b\\u5efa\\u56fd"},' * 200 + b"{}]}"
    app = app_of(200, {"content-type": "application/json", "etag": '"v1"', "vary": "Origin"}, [body])
    headers, bodies = await run(app, accept="gzip, br")
    assert headers["content-encoding"] == "br"
    assert int(headers["content-length"]) == len(bodies[0]) < len(body) / 5
    assert headers["etag"] == 'W/"v1"' and headers["vary"] == "Origin, Accept-Encoding"
    assert brotli.decompress(bodies[0]) == body


BIG = b"x" * 5000


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (206, {"content-type": "text/csv", "content-range": "bytes 0-4999/9000"}),
        (200, {"content-type": "text/csv", "content-range": "bytes 0-4999/5000"}),
        (200, {"content-type": "text/csv", "accept-ranges": "bytes"}),
        (200, {"content-type": "application/json", "content-encoding": "gzip"}),
        (200, {"content-type": "application/json", "cache-control": "private, no-transform"}),
        (200, {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        (200, {"content-type": "application/zip"}),
        (200, {"content-type": "image/jpeg"}),
        (200, {"content-type": "application/octet-stream"}),
        (200, {"content-type": "text/event-stream"}),
        (200, {}),
    ],
)
async def test_what_must_not_be_encoded_goes_out_untouched(status: int, headers: dict[str, str]) -> None:
    sent_headers, bodies = await run(app_of(status, headers, [BIG[:2500], BIG[2500:]]), accept="gzip, br")
    assert sent_headers == headers and b"".join(bodies) == BIG


async def test_plain_when_small_not_accepted_or_a_head() -> None:
    json_type = {"content-type": "application/json"}
    small, bodies = await run(app_of(200, json_type, [b"{}" * 100]))
    assert "content-encoding" not in small and bodies == [b"{}" * 100]
    declared, _ = await run(app_of(200, json_type | {"content-length": "200"}, [b"{}" * 50, b"{}" * 50]))
    assert "content-encoding" not in declared
    for accept, method in ((None, "GET"), ("identity", "GET"), ("gzip", "HEAD")):
        headers, bodies = await run(app_of(200, json_type, [BIG]), accept=accept, method=method)
        assert "content-encoding" not in headers and b"".join(bodies) == BIG
        assert headers["vary"] == "Accept-Encoding"  # another caller would get it compressed


async def test_no_codings_configured_means_nothing_is_touched() -> None:
    headers, bodies = await run(app_of(200, {"content-type": "application/json"}, [BIG]), encodings=())
    assert headers == {"content-type": "application/json"} and bodies == [BIG]
