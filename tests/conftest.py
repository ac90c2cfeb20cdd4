"""Fixtures: a real PostgreSQL built by the migrations, emptied between tests; the system in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support.database import (
    create_test_database,
    drop_test_database,
    embedded_server_url,
    empty_all_tables,
    migrate_all,
    server_url_from_env,
)
from tests.support.system import asgi_client, build_system


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """FANGPIN_DATABASE_URL's server if set, else an embedded PostgreSQL for this run."""
    url = server_url_from_env()
    if url:
        yield url
        return
    url, server = embedded_server_url(tmp_path_factory.mktemp("embedded"))
    yield url
    server.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    url = await create_test_database(server_url)
    await migrate_all(url)
    yield url
    await drop_test_database(server_url, url)


@pytest.fixture
async def clean_database(database_url: str) -> str:
    await empty_all_tables(database_url)
    return database_url


@pytest.fixture(scope="session")
async def system(database_url: str) -> AsyncIterator[FastAPI]:
    app = build_system(database_url)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(system: FastAPI, clean_database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(system) as client:
        yield client
