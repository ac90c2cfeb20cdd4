"""Keeping a built test world and putting it back: for tests that each need the same large world.

The authorisation matrix checks every role against one world of areas, users, households, cases,
projects … that takes seconds to build through the API; each role's check changes it (what it may do, it
does). ``take`` copies every table that holds rows, and every sequence, into a schema of its own;
``restore`` empties the tables and copies them back, bypassing triggers (the rollups are restored as
they were), so each role meets the world exactly as built, for a fraction of building it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from tests.support.database import OUR_SCHEMAS, holding_rows, libpq_url, table_names, truncate

SCHEMA = "test_snapshots"


@dataclass(frozen=True)
class Snapshot:
    name: str
    tables: dict[str, tuple[str, str]]  # table -> (its copy, the columns copied)
    sequences: dict[str, int | None]  # sequence -> its last value (None: never used)


async def take(owner_url: str, name: str) -> Snapshot:
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        tables: dict[str, tuple[str, str]] = {}
        for index, table in enumerate(await holding_rows(conn, await table_names(conn))):
            # Generated columns are computed again on the way back; they cannot be inserted.
            columns = ", ".join(
                f'"{r["attname"]}"'
                for r in await conn.fetch(
                    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
                    "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                    table,
                )
            )
            copy = f"{SCHEMA}.{name}_{index}"
            await conn.execute(f"DROP TABLE IF EXISTS {copy}")
            await conn.execute(f"CREATE TABLE {copy} AS SELECT {columns} FROM {table}")  # noqa: S608
            tables[table] = (copy, columns)
        sequences = {
            f'"{r["schemaname"]}"."{r["sequencename"]}"': r["last_value"]
            for r in await conn.fetch(
                "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname = ANY($1)",
                list(OUR_SCHEMAS),
            )
        }
        return Snapshot(name, tables, sequences)
    finally:
        await conn.close()


async def restore(owner_url: str, snapshot: Snapshot) -> None:
    conn = await asyncpg.connect(libpq_url(owner_url))
    try:
        refill = ";\n".join(
            f"INSERT INTO {table} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {copy}"  # noqa: S608
            for table, (copy, columns) in snapshot.tables.items()
        )
        counters = ";\n".join(
            f"SELECT setval('{sequence}', {value}, true)"
            if value is not None
            # The names come from pg_sequences, quoted: no input reaches this text.
            else f"SELECT setval(seqrelid, seqstart, false) FROM pg_sequence "  # noqa: S608
            f"WHERE seqrelid = '{sequence}'::regclass"
            for sequence, value in snapshot.sequences.items()
        )
        then = ";\n".join(part for part in (refill, counters) if part)
        await truncate(conn, await table_names(conn), then=then)
    finally:
        await conn.close()
