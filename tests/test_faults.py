"""Faults on real processes: a service killed or stopped mid-batch, the database restarted under traffic.

Nothing acknowledged is lost, a retry with the same ids never doubles, and the system recovers
without restarting our processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from fangpin.embedded import EmbeddedPostgres
from fangpin.parts import GATEWAY, SERVICE_PARTS
from tests.support.auth import ROOT_ADMIN
from tests.support.database import libpq_url
from tests.support.monitoring import inspection
from tests.support.processes import PartProcess, start_part, start_system, wait_ready
from tests.support.registry import seed_households
from tests.support.system import (
    NO_RATE_LIMITS,
    Database,
    Keys,
    asgi_client,
    gateway_settings,
    gateway_with,
    process_env,
)

PASSWORD = "fault tests password"
TOWN = "610924105000"
CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县"), (TOWN, "蒿坪镇")]


@pytest.fixture
def parts(clean_database: Database, keys: Keys, tmp_path: Path) -> Iterator[dict[str, PartProcess]]:
    env = process_env(clean_database, keys, **NO_RATE_LIMITS)
    running = start_system(env, tmp_path, {"FANGPIN_GATEWAY_UPSTREAM_TIMEOUT_S": "5"})
    try:
        command = [
            sys.executable,
            "-m",
            "fangpin",
            "users",
            "create-admin",
            ROOT_ADMIN,
            "--area",
            "000000000000",
        ]
        clean_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
        subprocess.run(
            command, input=PASSWORD + "\n", env=clean_env, text=True, check=True, capture_output=True
        )
        yield running
    finally:
        for part in running.values():
            part.stop()


async def create_all(
    client: httpx.AsyncClient, bodies: list[dict], acknowledged: set[str], workers: int = 8
) -> None:
    """Create each area once; remember which creates were acknowledged (2xx); keep going past errors."""
    queue = iter(bodies)

    async def worker() -> None:
        for body in queue:
            try:
                response = await client.post("/api/v1/areas", json=body)
            except httpx.HTTPError:
                continue
            if response.status_code in (200, 201):
                acknowledged.add(body["code"])
            else:
                # Anything else must be something a phone can retry, never a 500.
                assert response.status_code in (502, 503, 504), response.text

    await asyncio.gather(*(worker() for _ in range(workers)))


@pytest.mark.processes
@pytest.mark.once
async def test_killing_the_registry_mid_batch_loses_nothing_acknowledged_and_retries_never_double(
    parts: dict[str, PartProcess], tmp_path: Path
) -> None:
    gateway = parts["gateway"].url
    form = {"grant_type": "password", "username": ROOT_ADMIN, "password": PASSWORD}
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as client:
        token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        for code, name in CHAIN:
            assert (await client.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
        bodies = [{"code": f"610924105{n:03d}", "name": f"村{n}"} for n in range(1, 301)]
        acknowledged: set[str] = set()

        async def kill_when_busy() -> None:
            while len(acknowledged) < 60:  # noqa: ASYNC110 - polls a set the workers fill
                await asyncio.sleep(0.01)
            parts["registry"].process.send_signal(signal.SIGKILL)

        await asyncio.gather(create_all(client, bodies, acknowledged), kill_when_busy())
        assert 60 <= len(acknowledged) < len(bodies), "the kill should have landed mid-batch"

        registry = parts["registry"]
        parts["registry"] = start_part("registry", registry.env, tmp_path, "--no-migrate", port=registry.port)
        wait_ready(parts["registry"])

        # The phone retries everything with the same bodies until every one is acknowledged.
        retried: set[str] = set()
        await create_all(client, bodies, retried)
        assert retried == {b["code"] for b in bodies}

        stored = (await client.get(f"/api/v1/areas/{TOWN}/children", params={"limit": 500})).json()["items"]
        codes = [area["code"] for area in stored]
        assert len(codes) == len(set(codes)) == len(bodies)
        assert acknowledged <= set(codes)


@pytest.mark.processes
@pytest.mark.once
async def test_sigterm_during_inspection_batches_loses_nothing_acknowledged(
    parts: dict[str, PartProcess], clean_database: Database, tmp_path: Path
) -> None:
    village = "610924105201"
    monitoring = parts["monitoring"]
    monitoring.stop()
    parts["monitoring"] = monitoring = start_part(
        "monitoring", monitoring.env, tmp_path, "--no-migrate", "--grace-period", "10", port=monitoring.port
    )
    wait_ready(monitoring)
    form = {"grant_type": "password", "username": ROOT_ADMIN, "password": PASSWORD}
    async with httpx.AsyncClient(base_url=parts["gateway"].url, timeout=30) as client:
        token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        for code, name in [*CHAIN, (village, "黄金村")]:
            assert (await client.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
        households = await seed_households(clean_database.owner_url, village, 200)
        batches = [[inspection(h) for h in households] for _ in range(30)]
        acknowledged: list[list[dict]] = []
        refused: list[list[dict]] = []

        async def post_all(queue: Iterator[list[dict]]) -> None:
            for batch in queue:
                try:
                    response = await client.post("/api/v1/inspections/batch", json={"items": batch})
                except httpx.HTTPError:
                    refused.append(batch)
                    continue
                if response.status_code == 200:
                    assert response.json()["failed"] == 0, response.text
                    acknowledged.append(batch)
                else:  # what a phone can retry, never a 500
                    assert response.status_code in (502, 503, 504), response.text
                    refused.append(batch)

        async def stop_when_busy() -> float:
            while len(acknowledged) < 5:  # noqa: ASYNC110 - polls a list the workers fill
                await asyncio.sleep(0.01)
            monitoring.process.send_signal(signal.SIGTERM)
            return time.monotonic()

        queue = iter(batches)
        *_, stopped_at = await asyncio.gather(*(post_all(queue) for _ in range(4)), stop_when_busy())
        await asyncio.to_thread(monitoring.process.wait, 15)
        assert time.monotonic() - stopped_at < 10 + 2, "it must exit within the grace period"
        assert monitoring.process.returncode == 0
        assert len(acknowledged) >= 5 and refused, "the stop should have landed mid-stream"

        conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
        try:
            stored = {str(r["id"]) for r in await conn.fetch("SELECT id FROM monitoring.inspections")}
        finally:
            await conn.close()
        assert {i["id"] for batch in acknowledged for i in batch} <= stored

        # Back up; the phones retry what was refused: everything is stored exactly once.
        parts["monitoring"] = start_part(
            "monitoring", monitoring.env, tmp_path, "--no-migrate", port=monitoring.port
        )
        wait_ready(parts["monitoring"])
        for batch in refused:
            retried = await client.post("/api/v1/inspections/batch", json={"items": batch})
            assert retried.status_code == 200 and retried.json()["failed"] == 0, retried.text
    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM monitoring.inspections") == 30 * 200
    finally:
        await conn.close()


async def test_database_restart_under_traffic_recovers_without_restarting_us(
    system: FastAPI, admin_headers: dict[str, str], postgres: tuple[str, EmbeddedPostgres | None]
) -> None:
    _, server = postgres
    if server is None:
        pytest.skip("needs the embedded PostgreSQL, which the test may restart (FANGPIN_DATABASE_URL is set)")
    async with asgi_client(system, headers=admin_headers) as client:
        for code, name in CHAIN[:2]:
            assert (await client.post("/api/v1/areas", json={"code": code, "name": name})).status_code == 201
        statuses: list[int] = []
        stop = asyncio.Event()

        async def traffic() -> None:
            while not stop.is_set():
                statuses.append((await client.get("/api/v1/areas/610900000000")).status_code)
                await asyncio.sleep(0.01)

        runner = asyncio.create_task(traffic())
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.restart)
        await asyncio.sleep(0.5)
        stop.set()
        await runner
        assert set(statuses) <= {200, 503}, sorted(set(statuses))
        # Once it is back, every request works again, with no restart of the application.
        after = [(await client.get("/api/v1/areas/610900000000")).status_code for _ in range(20)]
        assert after == [200] * 20


async def test_a_database_that_is_down_answers_503_where_sessions_open_outside_a_request(
    database: Database, keys: Keys, tmp_path: Path
) -> None:
    # Signing in checks the access token's sign-in in the gateway's own session, not the request's:
    # a server whose socket is gone used to surface there as a bare OSError, i.e. a 500.
    async with gateway_with(database, keys) as (_, headers):
        pass
    dead = f"postgresql://postgres@/fangpin?host={tmp_path / 'no-server-here'}"
    stand_ins = {name: FastAPI() for name in SERVICE_PARTS}
    settings = gateway_settings(database, keys, database_url=dead, migration_database_url=dead)
    gateway = GATEWAY.create_app(settings, local_apps=stand_ins)
    async with gateway.router.lifespan_context(gateway), asgi_client(gateway) as client:
        answer = await client.get("/api/v1/areas", headers=headers)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "database_unavailable"
