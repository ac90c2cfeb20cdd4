"""A village's first sync on the wire: raw against gzip and br, and an empty poll with its headers.

篇5's merged 黄金村 (456 households, 1,763 people, loaded as the demo loads it: the county's ledger
through the import, then 龙泉村 merged in) is synced from the start by its village cadre, page after
page, as a phone does. Every byte the gateway sends back is counted on a plain socket: status line,
headers, chunk framing and body. Baseline: the same pages asked for without Accept-Encoding. The
encoded pages must decode to the raw pages' records. Times are medians of rounds taken in turn.

    python -m bench.sync_wire [--limit 500]      (FANGPIN_DATABASE_URL: a server to use; else embedded)
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import brotli
import h11
import httpx

from bench.environment import BenchEnvironment
from bench.report import Row, print_table
from fangpin.demo import DEMO_AREAS
from fangpin.demo_households import HUANGJIN, load_households
from tests.support.database import embedded_server_url

HOUSEHOLDS, PEOPLE = 456, 1763
CADRE, PASSWORD = "bench-cadre", "bench password 0002"
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}
ENCODINGS = ("gzip", "br")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    head_bytes: int  # status line and headers
    wire_bytes: int  # everything received
    body: bytes  # decoded


async def wire_get(base_url: str, target: str, headers: dict[str, str]) -> Answer:
    """One GET on its own connection; counts every byte that comes back."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    connection = h11.Connection(h11.CLIENT)
    request = h11.Request(
        method="GET",
        target=target,
        headers=[("host", url.netloc), ("connection", "close"), *headers.items()],
    )
    writer.write(connection.send(request) + connection.send(h11.EndOfMessage()))
    raw, parts, response = bytearray(), [], None
    try:
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                raw += data
                connection.receive_data(data)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
    finally:
        writer.close()
    assert response is not None
    answer_headers = {k.decode(): v.decode() for k, v in response.headers}
    body = b"".join(parts)
    coding = answer_headers.get("content-encoding")
    return Answer(
        response.status_code,
        answer_headers,
        raw.index(b"\r\n\r\n") + 4,
        len(raw),
        DECODERS[coding](body) if coding else body,
    )


async def build_village(env: BenchEnvironment) -> dict[str, str]:
    """The demo's county, 龙泉村 merged into 黄金村; a cadre of 黄金村 signed in."""
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=600) as client:
        for code, name in DEMO_AREAS:
            (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()
        await load_households(client, env.admin_headers)
        cadre = {"username": CADRE, "display_name": "黄金村村干部", "password": PASSWORD}
        cadre |= {"role": "village_cadre", "area_code": HUANGJIN}
        made = await client.post("/api/v1/users", json=cadre)
        made.raise_for_status()
        form = {"grant_type": "password", "username": CADRE, "password": PASSWORD}
        token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
    return {"authorization": f"Bearer {token}"}


async def first_sync(
    env: BenchEnvironment, auth: dict[str, str], coding: str | None, limit: int
) -> tuple[list[Answer], str, float]:
    """Every page of a sync from the start: (answers, the last cursor, seconds)."""
    headers = auth | ({"accept-encoding": coding} if coding else {})
    answers, params = [], {"limit": str(limit)}
    started = time.perf_counter()
    while True:
        answer = await wire_get(env.gateway, f"/api/v1/sync/changes?{urlencode(params)}", headers)
        assert answer.status == 200, answer.body[:500]
        assert answer.headers.get("content-encoding") == (coding if len(answer.body) >= 1024 else None)
        answers.append(answer)
        page: dict[str, Any] = json.loads(answer.body)
        params["cursor"] = page["next_cursor"]
        if not page["has_more"]:
            return answers, params["cursor"], time.perf_counter() - started


def _records(answers: list[Answer]) -> list[Any]:
    """The pages' records (their cursors name the change log's position, which moves on by itself)."""
    pages = [json.loads(a.body) for a in answers]
    return [(p["households"], p["people"], p["tombstones"]) for p in pages]


def _counts(answers: list[Answer]) -> tuple[int, int]:
    pages = [json.loads(a.body) for a in answers]
    return sum(len(p["households"]) for p in pages), sum(len(p["people"]) for p in pages)


async def sync_wire(env: BenchEnvironment, limit: int, rounds: int = 3) -> list[Row]:
    auth = await build_village(env)
    # Rounds taken in turn, so that a busy moment of the machine falls on every coding alike.
    syncs: dict[str | None, list[Answer]] = {}
    seconds: dict[str | None, list[float]] = {coding: [] for coding in (None, *ENCODINGS)}
    cursor = ""
    for _ in range(rounds):
        for coding in seconds:
            syncs[coding], last, elapsed = await first_sync(env, auth, coding, limit)
            seconds[coding].append(elapsed * 1000)
            cursor = last if coding is None else cursor
    raw = syncs[None]
    households, people = _counts(raw)
    assert (households, people) == (HOUSEHOLDS, PEOPLE), (households, people)
    raw_bytes, raw_ms = sum(a.wire_bytes for a in raw), statistics.median(seconds[None])
    what = f"{households} households, {people:,} people, {len(raw)} pages of {limit}"
    rows = [Row(f"first sync of 黄金村 ({what}), raw", raw_bytes / 1024, None, "KiB")]
    per_household: dict[str, float] = {}
    for coding in ENCODINGS:
        answers = syncs[coding]
        assert _records(answers) == _records(raw), f"{coding} decodes to other records"
        wire = sum(a.wire_bytes for a in answers)
        per_household[coding] = wire / households
        rows.append(Row(f"first sync, {coding}", wire / 1024, raw_bytes / 1024, "KiB"))
        rows.append(
            Row(
                f"first sync time on loopback, {coding} vs raw (median of {rounds})",
                statistics.median(seconds[coding]),
                raw_ms,
                "ms",
            )
        )
    for coding in ENCODINGS:
        rows.append(
            Row(
                f"bytes per household on the wire, {coding} (raw: {raw_bytes / households:,.0f} B)",
                per_household[coding],
                raw_bytes / households,
                "B",
                goal="≤ 300 B",
                met=lambda value, _: value <= 300,
            )
        )
    poll = await wire_get(
        env.gateway,
        f"/api/v1/sync/changes?{urlencode({'cursor': cursor})}",
        auth | {"accept-encoding": "gzip, deflate, br, zstd"},
    )
    assert poll.status == 200 and json.loads(poll.body)["households"] == []
    rows.append(
        Row(
            f"empty poll with headers (headers {poll.head_bytes} B, body {len(poll.body)} B)",
            poll.wire_bytes,
            None,
            "B",
            goal="≤ 1 KB",
            met=lambda value, _: value <= 1024,
        )
    )
    return rows


async def main(server: str, workdir: Path, limit: int) -> list[Row]:
    async with BenchEnvironment.start(server, workdir) as env:
        return await sync_wire(env, limit)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.sync_wire", description=__doc__)
    parser.add_argument("--limit", type=int, default=500, help="records per page (the API's default: 500)")
    args = parser.parse_args()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="fangpin-bench-"))
    server, embedded = os.environ.get("FANGPIN_DATABASE_URL"), None
    if not server:
        server, embedded = embedded_server_url(workdir / "pg")
    try:
        rows = asyncio.run(main(server, workdir, args.limit))
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    print_table(rows, title=f"fangpin sync on the wire ({time.monotonic() - started:.0f} s)")
