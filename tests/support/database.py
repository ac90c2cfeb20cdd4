"""A PostgreSQL database for one test run: on FANGPIN_DATABASE_URL's server, or an embedded one.

Each run creates its own database and its own serving role (so runs never collide and the serving
role's limited rights are what the tests exercise), builds the schemas with the real migrations once,
and empties every table between tests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from fangpin.parts import PARTS
from services.common.app_factory import migrate

OUR_SCHEMAS = tuple(part.migrations.schema for part in PARTS.values())


def server_url_from_env() -> str | None:
    return os.environ.get("FANGPIN_DATABASE_URL") or None


def with_database(url: str, database: str, user: str | None = None) -> str:
    parsed = make_url(url).set(database=database)
    if user is not None:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """asyncpg wants postgresql:// without a driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_test_database(server_url: str) -> str:
    name = f"fangpin_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A commit need not wait for the disk here (~3.5 ms each on this machine, thousands in a run):
        # what is committed survives a killed client or a restarted server all the same, and only an
        # operating system crash, which no test makes, could lose the last moments. Production keeps
        # PostgreSQL's default; this is the test database alone.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
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


async def create_app_role(owner_url: str) -> str | None:
    """A login role without ownership, like production's serving role; None if we may not create roles."""
    name = f"fangpin_app_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        await conn.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    except asyncpg.InsufficientPrivilegeError:
        return None
    finally:
        await conn.close()
    return name


async def drop_app_role(server_url: str, role: str) -> None:
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await conn.close()


async def migrate_all(owner_url: str, app_url: str) -> None:
    for part in PARTS.values():
        settings = part.settings_cls(database_url=app_url, migration_database_url=owner_url)
        await migrate(part.name, settings, part.migrations)


async def table_names(conn: asyncpg.Connection, schemas: Iterable[str] = OUR_SCHEMAS) -> list[str]:
    rows = await conn.fetch(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[]) "
        "AND tablename NOT IN ('alembic_version', 'sql_layer')",  # what the schema is at, not data
        list(schemas),
    )
    return [f'"{r["schemaname"]}"."{r["tablename"]}"' for r in rows]


async def holding_rows(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """Those of ``tables`` that hold at least one row (one probe for all of them)."""
    if not tables:
        return []
    # The names come from pg_tables, quoted: no input reaches this text.
    probe = " UNION ALL ".join(f"(SELECT {i} FROM {table} LIMIT 1)" for i, table in enumerate(tables))  # noqa: S608
    return [tables[i] for (i,) in await conn.fetch(probe)]


async def truncate(conn: asyncpg.Connection, tables: list[str], then: str = "") -> None:
    """Empty ``tables`` and restart their sequences, as TRUNCATE … RESTART IDENTITY would (the audit
    log's guard and every other trigger bypassed), then run ``then`` in the same transaction.

    DELETE, not TRUNCATE: a TRUNCATE gives each table new files and drops the old ones, ~50 ms a table
    on a loaded machine, where deleting a test's few rows takes a fraction of a millisecond. The tables
    are locked first, as TRUNCATE locks them, so the system's background work from the last test (relays,
    compaction) finishes before they are emptied. Tried again on a deadlock: those locks, taken one table
    at a time, can cross that work's."""
    for attempt in range(5):
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                if tables:
                    listed = ", ".join(tables)
                    # The names come from pg_tables, quoted: no input reaches this text.
                    deletes = ";\n".join(f"DELETE FROM {table}" for table in tables)  # noqa: S608
                    await conn.execute(f"LOCK TABLE {listed} IN ACCESS EXCLUSIVE MODE;\n{deletes}")
                    await conn.execute(RESTART_SEQUENCES, tables)
                if then:
                    await conn.execute(then)
            return
        except asyncpg.DeadlockDetectedError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.1 * (attempt + 1))


# The sequences the tables' serial and identity columns own, back at their start (what RESTART IDENTITY
# does; setval is not transactional, which a test database's wipe does not need).
RESTART_SEQUENCES = """
SELECT setval(s.seqrelid, s.seqstart, false)
FROM pg_sequence s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
WHERE d.refobjid = ANY($1::text[]::regclass[])
"""


async def empty_all_tables(owner_url: str) -> None:
    """Between tests: every table empty, every sequence at its start (deleting from the ~130 tables,
    most of them empty, takes a few milliseconds: less than finding those that hold rows)."""
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        await truncate(conn, await table_names(conn))
    finally:
        await conn.close()


def embedded_server_url(data_dir: Path) -> tuple[str, object]:
    from fangpin.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(data_dir)
    return server.url("postgres"), server
