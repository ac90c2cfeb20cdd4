"""What the gateway adds: the same area lookup through the gateway and straight to the registry."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from bench.environment import BenchEnvironment
from bench.report import Row
from services.common.auth import InternalTokenSigner, Principal, PrincipalKind, Role

AREAS = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]


async def _latencies(
    base_url: str, headers: dict[str, str], path: str, requests: int, concurrency: int
) -> list[float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
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

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


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
    direct = await _latencies(env.parts["registry"].url, _direct_headers(env), path, requests, concurrency)
    through = await _latencies(env.gateway, env.admin_headers, path, requests, concurrency)
    p50_direct, p50_through = statistics.median(direct) * 1000, statistics.median(through) * 1000
    p95_direct = statistics.quantiles(direct, n=20)[-1] * 1000
    p95_through = statistics.quantiles(through, n=20)[-1] * 1000
    return [
        Row(f"area lookup p50, {concurrency} clients, through gateway", p50_through, p50_direct, "ms"),
        Row(f"area lookup p95, {concurrency} clients, through gateway", p95_through, p95_direct, "ms"),
        Row(
            "gateway hop adds at p50",
            p50_through - p50_direct,
            p50_direct,
            "ms",
            goal="≤ 2 ms",
            met=lambda value, _: value <= 2.0,
        ),
    ]
