"""Fixtures: a real PostgreSQL built by the migrations, emptied between tests; the system in-process."""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from fangpin.embedded import EmbeddedPostgres
from tests.support.auth import ROOT_ADMIN, bootstrap_admin, make_user, sign_in
from tests.support.database import (
    create_app_role,
    create_test_database,
    drop_app_role,
    drop_test_database,
    embedded_server_url,
    empty_all_tables,
    migrate_all,
    server_url_from_env,
    with_database,
)
from tests.support.system import Database, Keys, asgi_client, build_system

# The fixtures through which a test reaches a PostgreSQL server: a test that uses none of them runs the
# same on any server, so it is marked `once` (no second run on the machine's server).
SERVER_FIXTURES = {"postgres", "server_url", "database"}


# The longest files first (each takes minutes): where the suite is spread over workers (CI's
# `-n 2 --dist loadfile --no-loadscope-reorder`), none of them starts when the rest is nearly done.
LONGEST_FIRST = ("test_fuzz.py", "test_processes.py", "test_faults.py", "test_authorization.py")


def _longest_first(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.once)
    items.sort(key=_longest_first)  # stable: each file keeps its own order


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection built (modules, apps' routes and schemas, the matrix) lives as long as the run:
    # frozen out of the collector's view, as `fangpin serve` freezes what its startup built, so full
    # collections during the tests do not walk it again (~0.4 s each).
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def postgres() -> Iterator[tuple[str, EmbeddedPostgres | None]]:
    """FANGPIN_DATABASE_URL's server if set, else an embedded PostgreSQL for this run (which fault
    tests may restart)."""
    url = server_url_from_env()
    if url:
        yield url, None
        return
    # Not under pytest's own temp dir: pytest makes that 0700 again at every start, which would lock
    # out the server's own system user if another pytest runs on the machine meanwhile.
    data_dir = Path(tempfile.mkdtemp(prefix="fangpin-test-pg-"))
    url, server = embedded_server_url(data_dir)
    yield url, server  # type: ignore[misc]
    server.stop()  # type: ignore[attr-defined]
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server_url(postgres: tuple[str, EmbeddedPostgres | None]) -> str:
    return postgres[0]


@pytest.fixture(scope="session")
async def database(server_url: str) -> AsyncIterator[Database]:
    owner_url = await create_test_database(server_url)
    role = await create_app_role(owner_url)
    app_url = with_database(owner_url, make_url(owner_url).database, user=role) if role else owner_url
    await migrate_all(owner_url, app_url)
    yield Database(owner_url=owner_url, app_url=app_url)
    await drop_test_database(server_url, owner_url)
    if role:
        await drop_app_role(server_url, role)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture
async def clean_database(database: Database) -> Database:
    await empty_all_tables(database.owner_url)
    return database


@pytest.fixture(scope="session")
async def system(database: Database, keys: Keys) -> AsyncIterator[FastAPI]:
    app = build_system(database, keys)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(system: FastAPI, clean_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client of the whole system, on empty tables."""
    system.state.identity.authenticator.forget_all()
    async with asgi_client(system) as client:
        yield client


@pytest.fixture
async def admin_headers(system: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    """Signed in as a county administrator with national scope."""
    await bootstrap_admin(system)
    return await sign_in(client, ROOT_ADMIN)


@pytest.fixture
async def admin(system: FastAPI, admin_headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client that is signed in as the national administrator."""
    async with asgi_client(system, headers=admin_headers) as client:
        yield client


UserFactory = Callable[[str, str, str], Awaitable[dict[str, str]]]


@pytest.fixture
def user_headers(system: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]) -> UserFactory:
    """make(username, role, area_code) -> sign-in headers of a new user."""

    async def make(username: str, role: str, area_code: str) -> dict[str, str]:
        return await make_user(system, client, admin_headers, username, role, area_code)

    return make
