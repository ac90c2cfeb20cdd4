"""Serving while an import job runs: the p95 of cheap reads (an area, a page of a village's households)
by a few clients through `fangpin serve` (every part in one process), quiet and while a county's import
uploaded through the API runs as a job.

Each of the two ways the registry can run a job is measured on a system and a database of its own:
inline (in the serving process, the baseline) and in a child process (the default). Their ratio says
what a job of its own process gives the requests served beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil

from bench.environment import BenchEnvironment
from bench.imports import make_areas, villages, write_county
from bench.report import Row, progress
from bench.reports import relay_drained
from fangpin.synthetic import Generator
from tests.support.database import libpq_url

CLIENTS = 4
PAUSE_S = 0.05  # each client's think time between two reads: a few busy office users, not a flood
QUIET_S = 20
SEED_PEOPLE = 10_000  # households already there before the measured import, for the list pages
MODES = ("inline", "process")
KINDS = ("area", "households")
MIB = 1024**2


@dataclass
class Reads:
    latencies: dict[str, list[float]]  # by kind of read
    errors: int

    def p95_ms(self, kind: str | None = None) -> float:
        found = self.latencies[kind] if kind else [t for times in self.latencies.values() for t in times]
        return statistics.quantiles(found, n=20)[-1] * 1000 if len(found) > 20 else 0.0

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {self.p95_ms(kind):.0f}" for kind in KINDS)
        count = sum(len(times) for times in self.latencies.values())
        return f"p95 {self.p95_ms():.0f} ms ({kinds}; {count:,} reads, {self.errors} errors)"


@dataclass
class Measured:
    quiet: Reads
    busy: Reads
    import_s: float
    rows: int
    load: tuple[float, float, float]  # the machine's load average when the import ended
    peak_rss: tuple[int, int]  # bytes: the serving process's, and its children's (the import's), at most


def _paths() -> list[tuple[str, str]]:
    """An area, then a page of a village's households, and so on through the county."""
    codes = [code for code, _ in villages()]
    areas = [("area", f"/api/v1/areas/{code}") for code in codes[::7]]
    pages = [("households", f"/api/v1/households?within={code}&limit=50") for code in codes[3::7]]
    return [read for pair in zip(areas, pages, strict=False) for read in pair]


async def _reads(client: httpx.AsyncClient, until: asyncio.Event | float) -> Reads:
    """``CLIENTS`` clients reading in turn until ``until`` (an event set, or a monotonic deadline)."""
    reads, errors = itertools.cycle(_paths()), 0
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}

    def done() -> bool:
        return until.is_set() if isinstance(until, asyncio.Event) else time.monotonic() >= until

    async def reader() -> None:
        nonlocal errors
        while not done():
            kind, path = next(reads)
            started = time.perf_counter()
            answer = await client.get(path)
            latencies[kind].append(time.perf_counter() - started)
            errors += answer.status_code >= 400
            await asyncio.sleep(PAUSE_S)

    await asyncio.gather(*(reader() for _ in range(CLIENTS)))
    return Reads(latencies, errors)


async def _peak_rss(pid: int, until: asyncio.Event) -> tuple[int, int]:
    """The largest resident memory of process ``pid``, and of its children together (4 samples a second)."""
    serving, peak = psutil.Process(pid), [0, 0]
    while not until.is_set():
        with contextlib.suppress(psutil.Error):
            children = sum(child.memory_info().rss for child in serving.children(recursive=True))
            peak = [max(peak[0], serving.memory_info().rss), max(peak[1], children)]
        await asyncio.sleep(0.25)
    return peak[0], peak[1]


async def _upload(client: httpx.AsyncClient, path: Path) -> dict:
    with path.open("rb") as handle:
        answer = await client.post("/api/v1/imports", files={"file": (path.name, handle, "text/csv")})
    answer.raise_for_status()
    return answer.json()


async def _finished(client: httpx.AsyncClient, job: dict) -> dict:
    while job["status"] in ("queued", "running"):
        await asyncio.sleep(0.5)
        job = (await client.get(f"/api/v1/imports/{job['id']}")).json()
    if job["status"] != "succeeded":
        raise RuntimeError(f"import job {job['status']}: {job.get('failure')}")
    return job


async def _settled(env: BenchEnvironment) -> None:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await relay_drained(conn)
    finally:
        await conn.close()


async def _measure(server: str, workdir: Path, mode: str, seed: Path, county: Path, relay: bool) -> Measured:
    settings = {"FANGPIN_REGISTRY_IMPORT_MODE": mode} | (
        {} if relay else {"FANGPIN_EVENT_RELAY_INTERVAL_S": "0"}
    )
    async with BenchEnvironment.start(server, workdir, whole=True, **settings) as env:
        await make_areas(env)
        limits = httpx.Limits(max_connections=CLIENTS + 2, keepalive_expiry=2)
        async with httpx.AsyncClient(
            base_url=env.gateway, headers=env.admin_headers, limits=limits, timeout=120
        ) as client:
            await _finished(client, await _upload(client, seed))
            if relay:
                await _settled(env)  # the quiet spell is quiet: the seed's events are delivered first
            quiet = await _reads(client, time.monotonic() + QUIET_S)
            ended = asyncio.Event()
            readers = asyncio.create_task(_reads(client, ended))
            memory = asyncio.create_task(_peak_rss(env.parts["gateway"].process.pid, ended))
            started = time.monotonic()
            try:
                job = await _finished(client, await _upload(client, county))
            finally:
                ended.set()
                busy, peak = await readers, await memory
            took = time.monotonic() - started
            return Measured(quiet, busy, took, job["rows_done"], os.getloadavg(), peak)


async def serving_during_import(server: str, workdir: Path, people: int, relay: bool = True) -> list[Row]:
    """``relay`` False: no event relay in the serving process, so what is measured is the job's own work
    (with it, the job's events are delivered to monitoring in that process while the job runs)."""
    generator = Generator(2027)  # one generator: the seed file and the county's share no ID number
    seed, county = workdir / "seed.csv", workdir / "county-job.csv"
    codes = [code for code, _ in villages()]
    await asyncio.to_thread(write_county, seed, SEED_PEOPLE, codes, generator)
    rows = await asyncio.to_thread(write_county, county, people, codes, generator, 10_000)
    measured = {}
    for mode in MODES:
        progress(f"serving during a {rows:,}-person import job run {mode}{'' if relay else ', no relay'}")
        measured[mode] = await _measure(server, workdir, mode, seed, county, relay)
        m = measured[mode]
        progress(
            f"{mode}: reads quiet {m.quiet.describe()}; during the import {m.busy.describe()}; import "
            f"{m.rows / m.import_s:,.0f} rows/s; load {m.load[0]:.2f} {m.load[1]:.2f} {m.load[2]:.2f}; peak "
            f"RSS serving {m.peak_rss[0] / MIB:.0f} MiB, its children {m.peak_rss[1] / MIB:.0f} MiB"
        )
    inline, process = measured["inline"], measured["process"]
    relaying = "" if relay else " (no event relay)"
    return [
        Row(
            f"p95 of cheap reads by {CLIENTS} clients while a {rows:,}-person import job runs{relaying}: "
            "in a child process against inline (in the serving process)",
            process.busy.p95_ms(),
            inline.busy.p95_ms(),
            "ms",
            goal="≤ 3 × the quiet p95 (its own process's quiet run)",
            met=lambda value, _: value <= 3 * max(process.quiet.p95_ms(), 1.0),
        ),
        *(
            Row(
                f"p95 of the {kind} reads alone while the job runs: child process against inline",
                process.busy.p95_ms(kind),
                inline.busy.p95_ms(kind),
                "ms",
            )
            for kind in KINDS
        ),
        Row(
            "the same reads' p95, quiet (the child-process system)",
            process.quiet.p95_ms(),
            inline.quiet.p95_ms(),
            "ms",
        ),
        Row(
            "the import job's rows/s: in a child process against inline",
            process.rows / process.import_s,
            inline.rows / inline.import_s,
            "rows/s",
        ),
        Row(
            "peak memory during the job (MiB): the serving process and the import's child, against the "
            "serving process with the job inline",
            (process.peak_rss[0] + process.peak_rss[1]) / MIB,
            inline.peak_rss[0] / MIB,
            "MiB",
        ),
    ]
