"""With a read replica configured, listings and reports read from it and writes still go to the primary."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from fangpin.embedded import EmbeddedPostgres
from tests.support.auth import ROOT_ADMIN, bootstrap_admin, sign_in
from tests.support.database import libpq_url
from tests.support.registry import make_household
from tests.support.replica import StreamingReplica
from tests.support.system import Database, Keys, asgi_client, build_system

TOWN = "610924105000"
CHAIN = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县"), (TOWN, "蒿坪镇")]


@pytest.fixture
def replica(
    postgres: tuple[str, EmbeddedPostgres | None], clean_database: Database
) -> Iterator[StreamingReplica]:
    _, server = postgres
    if server is None:
        pytest.skip(
            "needs the embedded PostgreSQL to make a streaming replica of (FANGPIN_DATABASE_URL is set)"
        )
    standby = StreamingReplica(server)
    yield standby
    standby.stop()


async def reported(client: httpx.AsyncClient) -> dict:
    response = await client.get("/api/v1/reports/area-summary", params={"area": TOWN})
    assert response.status_code == 200, response.text
    return response.json()["registry"]


async def listed(client: httpx.AsyncClient) -> set[str]:
    response = await client.get(f"/api/v1/areas/{TOWN}/children")
    assert response.status_code == 200, response.text
    return {area["code"] for area in response.json()["items"]}


async def eventually_listed(client: httpx.AsyncClient, code: str | None = None) -> set[str]:
    """The town's children once the replica has replayed the town (and ``code``); 5 s at most."""
    for _ in range(50):
        response = await client.get(f"/api/v1/areas/{TOWN}/children")
        if response.status_code == 200:
            codes = {area["code"] for area in response.json()["items"]}
            if code is None or code in codes:
                return codes
        await asyncio.sleep(0.1)
    return await listed(client)


async def test_listings_and_reports_read_the_replica_and_writes_go_to_the_primary(
    replica: StreamingReplica, clean_database: Database, keys: Keys
) -> None:
    database_name = make_url(clean_database.app_url).database
    app_user = make_url(clean_database.app_url).username
    read_url = replica.url(database_name, app_user)
    system = build_system(clean_database, keys, registry={"read_database_url": read_url})
    control = await asyncpg.connect(libpq_url(replica.url(database_name)))
    try:
        async with system.router.lifespan_context(system), asgi_client(system) as client:
            await bootstrap_admin(system)
            client.headers.update(await sign_in(client, ROOT_ADMIN))
            for code, name in CHAIN:
                assert (
                    await client.post("/api/v1/areas", json={"code": code, "name": name})
                ).status_code == 201

            await eventually_listed(client)  # the replica has caught up with the chain

            # Hold the replica still: a new area reaches the primary but not the listing.
            await control.execute("SELECT pg_wal_replay_pause()")
            created = await client.post("/api/v1/areas", json={"code": "610924105201", "name": "黄金村"})
            assert created.status_code == 201
            assert (await client.get("/api/v1/areas/610924105201")).status_code == 200  # primary
            assert "610924105201" not in await listed(client)  # replica, paused

            await control.execute("SELECT pg_wal_replay_resume()")
            assert "610924105201" in await eventually_listed(client, "610924105201")
            assert (await client.get("/readyz")).status_code == 200

            # The area report reads its figures from the replica too; the household goes to the primary.
            await control.execute("SELECT pg_wal_replay_pause()")
            household = await make_household(client, "610924105201", members=2)
            assert (await client.get(f"/api/v1/households/{household['id']}")).status_code == 200
            assert (await reported(client))["households"] == 0  # replica, paused
            await control.execute("SELECT pg_wal_replay_resume()")
            for _ in range(100):
                if (figures := await reported(client))["households"] == 1:
                    break
                await asyncio.sleep(0.1)
            assert (figures["households"], figures["people"]) == (1, 2)
    finally:
        await control.close()
