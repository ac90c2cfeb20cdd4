"""A PostgreSQL database for one test run: on FANGPIN_DATABASE_URL's server, or an embedded one.

Each run creates its own database (so runs never collide), builds it with the real migrations once,
and empties every table between tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from fangpin.parts import PARTS
from services.common.database import create_engine

OUR_SCHEMAS = tuple(part.migrations.schema for part in PARTS.values() if part.migrations is not None)


def server_url_from_env() -> str | None:
    return os.environ.get("FANGPIN_DATABASE_URL") or None


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """asyncpg wants postgresql:// without a driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_test_database(server_url: str) -> str:
    name = f"fangpin_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_test_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrate_all(database_url: str) -> None:
    for part in PARTS.values():
        if part.migrations is None:
            continue
        engine = create_engine(database_url, part=f"test-migrate-{part.name}", pool_size=1, max_overflow=0)
        try:
            await part.migrations.upgrade(engine)
        finally:
            await engine.dispose()


async def table_names(conn: asyncpg.Connection, schemas: Iterable[str] = OUR_SCHEMAS) -> list[str]:
    rows = await conn.fetch(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[]) "
        "AND tablename <> 'alembic_version'",
        list(schemas),
    )
    return [f'"{r["schemaname"]}"."{r["tablename"]}"' for r in rows]


async def empty_all_tables(database_url: str) -> None:
    """Between tests: every table empty, triggers (e.g. the audit guard) bypassed for the cleanup only."""
    conn = await asyncpg.connect(libpq_url(database_url))
    try:
        tables = await table_names(conn)
        if tables:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def embedded_server_url(data_dir: Path) -> tuple[str, object]:
    from fangpin.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(data_dir)
    return server.url("postgres"), server
