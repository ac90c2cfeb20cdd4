"""The import's floor: every row a county import stores, COPYed into tables shaped like the registry's.

The rows are the import's own. Before the timed import, the same file is imported once into a scratch
database that holds only the registry's schema and the same areas; each table it wrote to (people,
households, the change log, programme periods, rollup contributions, totals and subjects, the audit
record) is dumped to a binary COPY file. In the same run those files are COPYed into tables created
``LIKE registry.<table> INCLUDING ALL`` (columns, defaults, checks, indexes; no triggers, and so no
foreign keys) and only the COPYs are timed: what storing and indexing those rows costs the database,
with nothing of ours.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from fangpin.parts import PARTS
from services.common.app_factory import migrate
from tests.support.database import create_test_database, drop_test_database, libpq_url, with_database
from tests.support.system import Database

SCHEMA = "bench_floor"
# As many connections as the import has writers (services.registry.imports.service.WRITERS): the floor
# may use the server's cores as the import does.
FLOOR_CONNECTIONS = 2
COLUMNS = """SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0
    AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"""


@dataclass
class StoredTable:
    name: str
    columns: list[str]
    file: Path
    rows: int


@dataclass
class StoredRows:
    tables: list[StoredTable]

    @property
    def total(self) -> int:
        return sum(t.rows for t in self.tables)

    def describe(self) -> str:
        return ", ".join(f"{t.name} {t.rows:,}" for t in sorted(self.tables, key=lambda t: -t.rows))


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    names = [
        r["tablename"]
        for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'registry'")
    ]
    probe = " UNION ALL ".join(f"SELECT '{n}', count(*) FROM registry.\"{n}\"" for n in names)  # noqa: S608
    return {name: count for name, count in await conn.fetch(probe)}


async def _columns(conn: asyncpg.Connection, table: str) -> list[str]:
    return [r["attname"] for r in await conn.fetch(COLUMNS, f'registry."{table}"')]


async def capture_stored_rows(
    database: Database, workdir: Path, run_import: Callable[[Database], object]
) -> StoredRows:
    """Import the file once into a scratch database (``run_import``, given its ``Database``) and dump
    every row it stored, table by table. The scratch database is dropped again."""
    scratch_owner = await create_test_database(database.owner_url)
    app_user = make_url(database.app_url).username
    same_role = app_user == make_url(database.owner_url).username
    scratch_app = (
        scratch_owner
        if same_role
        else with_database(scratch_owner, make_url(scratch_owner).database, user=app_user)
    )
    registry = PARTS["registry"]
    assert registry.migrations is not None
    try:
        await migrate(
            "registry",
            registry.settings_cls(database_url=scratch_app, migration_database_url=scratch_owner),
            registry.migrations,
        )
        areas = workdir / "areas.copy"
        source = await asyncpg.connect(libpq_url(database.owner_url))
        scratch = await asyncpg.connect(libpq_url(scratch_owner))
        try:
            columns = await _columns(source, "areas")
            await source.copy_from_table(
                "areas", schema_name="registry", columns=columns, output=areas, format="binary"
            )
            await scratch.copy_to_table(
                "areas", schema_name="registry", columns=columns, source=areas, format="binary"
            )
            before = await _counts(scratch)
            await asyncio.to_thread(run_import, Database(scratch_owner, scratch_app))
            after = await _counts(scratch)
            tables = []
            for name, count in after.items():
                if count == before[name]:
                    continue
                if before[name]:
                    raise RuntimeError(f"registry.{name} held rows before the import: cannot tell its own")
                columns = await _columns(scratch, name)
                file = workdir / f"floor-{name}.copy"
                await scratch.copy_from_table(
                    name, schema_name="registry", columns=columns, output=file, format="binary"
                )
                tables.append(StoredTable(name, columns, file, count))
        finally:
            await source.close()
            await scratch.close()
    finally:
        await drop_test_database(database.owner_url, scratch_owner)
    return StoredRows(tables)


async def checkpoint(conn: asyncpg.Connection) -> None:
    """Dirty pages written out, so the next timed step does not pay for the one before (needs a
    superuser or pg_checkpoint; skipped without)."""
    try:
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass


async def copy_floor(database: Database, stored: StoredRows) -> float:
    """Seconds to COPY every stored row into tables shaped like the registry's, the tables shared
    out over ``FLOOR_CONNECTIONS`` connections (largest first, each to the least loaded)."""
    url = libpq_url(database.owner_url)
    connections = [await asyncpg.connect(url) for _ in range(FLOOR_CONNECTIONS)]
    first = connections[0]
    try:
        await first.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        for table in stored.tables:
            await first.execute(
                f'CREATE TABLE {SCHEMA}."{table.name}" (LIKE registry."{table.name}" INCLUDING ALL)'
            )
        await checkpoint(first)
        shares: list[list[StoredTable]] = [[] for _ in connections]
        for table in sorted(stored.tables, key=lambda t: -t.file.stat().st_size):
            min(shares, key=lambda share: sum(t.file.stat().st_size for t in share)).append(table)

        async def load(conn: asyncpg.Connection, tables: list[StoredTable]) -> None:
            for table in tables:
                await conn.copy_to_table(
                    table.name, schema_name=SCHEMA, columns=table.columns, source=table.file, format="binary"
                )

        started = time.perf_counter()
        await asyncio.gather(*(load(c, s) for c, s in zip(connections, shares, strict=True)))
        elapsed = time.perf_counter() - started
        await first.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
        await checkpoint(first)
        for table in stored.tables:  # gigabytes for a county of a million people
            table.file.unlink()
        return elapsed
    finally:
        for conn in connections:
            await conn.close()
