"""Health, readiness and metrics of every part."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.common.database import create_engine
from services.registry.app import MIGRATIONS as REGISTRY_MIGRATIONS
from services.registry.app import create_app as create_registry
from services.registry.settings import RegistrySettings
from tests.support.database import create_test_database, drop_test_database
from tests.support.registry import HUANGJIN, make_areas, seed_households
from tests.support.system import Database, Keys, asgi_client


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    checks = {
        "database": "ok",
        "migrations": "ok",
        "registry": "ok",
        "monitoring": "ok",
        "jobs": "ok",
        "projects": "ok",
        "oversight": "ok",
    }
    assert ready.json()["checks"] == checks


async def test_each_service_has_health_and_metrics(system: FastAPI, clean_database: Database) -> None:
    for name in ("registry", "monitoring", "jobs", "projects", "oversight"):
        upstream = system.state.upstreams[name]
        ready = await upstream.client.get("/readyz")
        assert ready.status_code == 200, (name, ready.text)
        assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
        metrics = await upstream.client.get("/metrics")
        assert "fangpin_http_requests_total" in metrics.text


async def test_metrics_count_requests_by_route(admin: httpx.AsyncClient) -> None:
    await admin.get("/api/v1/areas/610924105201")
    metrics = (await admin.get("/metrics")).text
    assert 'route="/api/v1/areas/{code}"' in metrics
    assert 'part="registry"' in metrics
    assert "fangpin_db_pool_size" in metrics


async def test_monitoring_counts_its_workload_when_scraped(
    admin: httpx.AsyncClient, system: FastAPI, clean_database: Database
) -> None:
    await make_areas(admin)
    [household] = await seed_households(clean_database.owner_url)
    declared = {
        "id": str(uuid.uuid4()),
        "household_id": household,
        "area_code": HUANGJIN,
        "risk_code": "illness",
        "reason": "户主住院",
    }
    assert (await admin.post("/api/v1/alerts/declarations", json=declared)).status_code == 201
    metrics = (await system.state.upstreams["monitoring"].client.get("/metrics")).text
    assert 'fangpin_alerts{state="open"} 1.0' in metrics
    assert "fangpin_cases_overdue 0.0" in metrics


async def test_readyz_is_503_until_migrations_reach_head(server_url: str, keys: Keys) -> None:
    url = await create_test_database(server_url)
    try:
        app = create_registry(
            RegistrySettings(
                database_url=url, migrate_on_start=False, internal_token_public_key=keys.internal_public
            )
        )
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            behind = await client.get("/readyz")
            assert behind.status_code == 503
            assert behind.headers["content-type"] == "application/problem+json"
            assert behind.json()["checks"]["migrations"] == "behind head"
            await REGISTRY_MIGRATIONS.upgrade(app.state.database.engine)
            assert (await client.get("/readyz")).status_code == 200
    finally:
        await drop_test_database(server_url, url)


async def test_migrations_use_their_own_schema_and_version_table(database: Database) -> None:
    engine = create_engine(database.owner_url, part="test")
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'"
                )
            )
            schemas = sorted(r[0] for r in rows)
            public_tables = await conn.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            )
    finally:
        await engine.dispose()
    assert schemas == ["gateway", "jobs", "monitoring", "oversight", "projects", "registry"]
    assert public_tables == 0
