"""What the gateway adds: the same area lookup through the gateway and straight to the registry.

Besides latency, the CPU the serving process spends per request (user + system, from psutil): the
gateway's own per proxied request against the registry's per request when reached directly. It is less
sensitive than latency to other work on a shared machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx
import psutil

from bench.environment import BenchEnvironment
from bench.report import Row
from services.common.auth import InternalTokenSigner, Principal, PrincipalKind, Role

AREAS = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]


@dataclass
class Run:
    latencies: list[float]
    cpu_us_per_request: float  # of the process watched, over the timed requests only

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def _run(
    base_url: str, headers: dict[str, str], path: str, requests: int, concurrency: int, watched: int
) -> Run:
    """``requests`` GETs of ``path`` from ``concurrency`` clients; CPU of process ``watched`` counted."""
    process = psutil.Process(watched)
    # Idle connections are dropped after 2 s, before the server's 5 s keep-alive closes them: otherwise a
    # request sent on one the server is just closing is reset (a ReadError that fails the run).
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30) as client:
        for _ in range(concurrency):  # warm the connections
            (await client.get(path)).raise_for_status()
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        cpu_before = _cpu_s(process)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu_used = _cpu_s(process) - cpu_before
    return Run(latencies, cpu_used / requests * 1e6)


def _direct_headers(env: BenchEnvironment) -> dict[str, str]:
    """What the gateway would send: an internal token for the same administrator."""
    signer = InternalTokenSigner(env.keys.internal_private)
    principal = Principal(
        id="bench", name="bench", kind=PrincipalKind.user, role=Role.county_admin, scope="000000000000"
    )
    # A token lives 60 s; the direct run is shorter than that.
    return {"Authorization": f"Bearer {signer.sign(principal, 'registry')}"}


async def gateway_hop(env: BenchEnvironment, requests: int, concurrency: int) -> list[Row]:
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=30) as client:
        for code, name in AREAS:
            (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()
    path = f"/api/v1/areas/{AREAS[-1][0]}"
    registry, gateway = env.parts["registry"], env.parts["gateway"]
    direct = await _run(registry.url, _direct_headers(env), path, requests, concurrency, registry.process.pid)
    through = await _run(env.gateway, env.admin_headers, path, requests, concurrency, gateway.process.pid)
    return [
        Row(f"area lookup p50, {concurrency} clients, through gateway", through.p50_ms, direct.p50_ms, "ms"),
        Row(f"area lookup p95, {concurrency} clients, through gateway", through.p95_ms, direct.p95_ms, "ms"),
        Row(
            "gateway hop adds at p50",
            through.p50_ms - direct.p50_ms,
            direct.p50_ms,
            "ms",
            goal="≤ 2 ms",
            met=lambda value, _: value <= 2.0,
        ),
        Row(
            "gateway CPU per proxied request (baseline: the registry's per direct request)",
            through.cpu_us_per_request,
            direct.cpu_us_per_request,
            "µs",
            goal="≤ 500 µs",
            met=lambda value, _: value <= 500.0,
        ),
    ]
