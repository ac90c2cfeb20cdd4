"""The database's own code: the functions, triggers and views of a service's schema, kept as plain SQL.

A part's ``sql/*.sql`` files, with the shared scripts it names from ``services/common/sql/`` (written once
for every schema, ``@schema@`` standing for its name), run in file-name order, are the only definition of
what PostgreSQL runs for it; alembic revisions hold the tables. Once alembic has brought the schema to
head (in the same transaction, under the same advisory lock), ``apply`` compares the files' hash with the
one in ``<schema>.sql_layer``. When they differ, or a revision has just run, it drops every function, view
and trigger of the schema and runs the files, so the database holds exactly the source: a function taken
out of the files is gone, a changed one is replaced, nothing depends on anyone remembering a migration.
The layer owns all of them: a function or trigger made any other way in a service schema does not survive
the next apply (one that something else depends on, e.g. an index, stops it loudly).

``differences`` checks a deployed database against the source: it applies the files in a transaction
it rolls back and compares what PostgreSQL reports before and after.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

logger = logging.getLogger("fangpin.sql_layer")
TABLE = "sql_layer"
SUFFIX = ".sql"

# What the layer owns in a schema: its triggers (not the internal ones of foreign keys), its views and
# its functions (not those of an extension).
TRIGGERS_SQL = """
SELECT t.tgname AS name, c.relname AS table_name, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
WHERE c.relnamespace = to_regnamespace(:schema) AND NOT t.tgisinternal
ORDER BY 2, 1
"""
VIEWS_SQL = """
SELECT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS definition
FROM pg_class AS c WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind = 'v'
ORDER BY 1
"""
FUNCTIONS_SQL = """
SELECT p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS definition
FROM pg_proc AS p
WHERE p.pronamespace = to_regnamespace(:schema) AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""


class SqlLayerError(RuntimeError):
    """A file of the layer failed: its name and PostgreSQL's message."""


def source_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == SUFFIX and p.is_file())


SHARED_DIRECTORY = Path(__file__).parent / "sql"
SCHEMA_PLACEHOLDER = "@schema@"
# The shared scripts a part names (Migrations.shared_sql).
AUDIT_LOG = "010_audit_log.sql"  # every part: its audit log's guards, and appending to its chain
ROLLUPS = "030_rollup_refresh.sql"  # a service with rollups (services/common/rollups): their machinery


@dataclass(frozen=True)
class Script:
    name: str
    text: str


@dataclass(frozen=True)
class Layer:
    """A schema's own code: the shared scripts it names (rendered for it) and the files of its own
    ``directory``, run together in file-name order."""

    schema: str
    directory: Path | None = None
    shared: tuple[str, ...] = ()

    def scripts(self) -> list[Script]:
        own = source_files(self.directory) if self.directory is not None else []
        clashes = {p.name for p in own} & set(self.shared)
        if clashes:
            raise SqlLayerError(f"{self.schema}: {sorted(clashes)} both shared and the part's own")
        shared = [(name, SHARED_DIRECTORY / name) for name in self.shared]
        scripts = [
            Script(name, path.read_text(encoding="utf-8").replace(SCHEMA_PLACEHOLDER, self.schema))
            for name, path in shared
        ]
        scripts += [Script(p.name, p.read_text(encoding="utf-8")) for p in own]
        return sorted(scripts, key=lambda script: script.name)

    def hash(self) -> str:
        return scripts_hash(self.scripts())


def scripts_hash(scripts: list[Script]) -> str:
    """sha256 over every script's name and text, in order: renaming or reordering counts as a change."""
    digest = hashlib.sha256()
    for script in scripts:
        digest.update(script.name.encode() + b"\0" + script.text.encode() + b"\0")
    return digest.hexdigest()


def _table(schema: str) -> str:
    return f'"{schema}".{TABLE}'


async def stored_hash(conn: AsyncConnection, schema: str) -> str | None:
    """The hash of the files last applied (None: never, or the schema has no layer table yet)."""
    if not await conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": _table(schema)}):
        return None
    stored: str | None = await conn.scalar(text(f"SELECT hash FROM {_table(schema)}"))  # noqa: S608 - our own name
    return stored


async def apply(conn: AsyncConnection, layer: Layer, *, force: bool = False) -> bool:
    """Bring the schema's functions, triggers and views to the layer's scripts, in the caller's
    transaction, if the stored hash differs (or ``force``); True when it did."""
    schema = layer.schema
    # The migration's lock: replicas starting together apply once, one after the other.
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"migrate:{schema}"})
    scripts = layer.scripts()  # read once: hashed, then run
    digest = scripts_hash(scripts)
    if not force and await stored_hash(conn, schema) == digest:
        return False
    await _drop_owned(conn, schema)
    await _run_scripts(conn, scripts)
    await conn.execute(text(f"DELETE FROM {_table(schema)}"))  # noqa: S608 - our own name
    await conn.execute(
        text(f"INSERT INTO {_table(schema)} (hash, applied_at) VALUES (:hash, now())"),  # noqa: S608
        {"hash": digest},
    )
    logger.info("%s: sql layer %s applied (%d files)", schema, digest[:12], len(scripts))
    return True


async def _drop_owned(conn: AsyncConnection, schema: str) -> None:
    """Triggers first (they name functions), then views, then all functions in one statement (so that
    their dependencies on one another do not matter; anything else depending on one stops it)."""
    quote = conn.dialect.identifier_preparer.quote
    for row in await conn.execute(text(TRIGGERS_SQL), {"schema": schema}):
        await conn.execute(text(f"DROP TRIGGER {quote(row.name)} ON {quote(schema)}.{quote(row.table_name)}"))
    views = [row.name for row in await conn.execute(text(VIEWS_SQL), {"schema": schema})]
    if views:
        await conn.execute(text(f"DROP VIEW {', '.join(views)}"))
    functions = [row.name for row in await conn.execute(text(FUNCTIONS_SQL), {"schema": schema})]
    if functions:
        await conn.execute(text(f"DROP ROUTINE {', '.join(functions)}"))


async def _run_scripts(conn: AsyncConnection, scripts: list[Script]) -> None:
    # Each file as one script over the driver's simple protocol: any SQL a DBA would write runs as
    # written (dollar quotes, DO blocks), inside the caller's transaction.
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    for script in scripts:
        try:
            await driver.execute(script.text)
        except Exception as exc:
            raise SqlLayerError(f"{script.name}: {exc}") from exc


async def definitions(conn: AsyncConnection, schema: str) -> dict[str, str]:
    """What PostgreSQL runs for the schema, as it reports it: each trigger, view and function by name."""
    found = {
        f"trigger {row.table_name}.{row.name}": row.definition
        for row in await conn.execute(text(TRIGGERS_SQL), {"schema": schema})
    }
    for kind, query in (("view", VIEWS_SQL), ("function", FUNCTIONS_SQL)):
        found |= {
            f"{kind} {row.name}": row.definition
            for row in await conn.execute(text(query), {"schema": schema})
        }
    return found


async def differences(conn: AsyncConnection, layer: Layer) -> list[str]:
    """What the deployed schema has that the scripts would not make (and the reverse): empty when equal.
    Applies the scripts in a transaction that is rolled back; the caller's connection must be idle."""
    schema = layer.schema
    async with conn.begin() as transaction:
        deployed = await definitions(conn, schema)
        await _drop_owned(conn, schema)
        await _run_scripts(conn, layer.scripts())
        source = await definitions(conn, schema)
        await transaction.rollback()
    return [
        f"{name}: {_difference(deployed.get(name), source.get(name))}"
        for name in sorted(deployed.keys() | source.keys())
        if deployed.get(name) != source.get(name)
    ]


def _difference(deployed: str | None, source: str | None) -> str:
    if deployed is None:
        return "missing from the database"
    return "not in the source" if source is None else "differs from the source"
