"""Alembic per part: each part's tables live in its own PostgreSQL schema with its own version table.

Migrations run in code (``fangpin migrate`` and at start), on a connection we hand to alembic, under an
advisory lock so that two replicas starting together do not race. A part keeps its functions, triggers
and views in its sql layer (``sql_layer``): the shared scripts it names and the ``sql/`` folder beside its
migrations directory, when there is one. Once the schema is at head they are brought to those scripts in
the same transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common import sql_layer
from services.common.audit.table import TABLE_NAME as AUDIT_TABLE

VERSION_TABLE = "alembic_version"


@dataclass
class Migrations:
    """Where a part's migration scripts are and which schema they manage."""

    schema: str
    directory: Path
    shared_sql: tuple[str, ...] = ()  # scripts of services/common/sql/ the schema runs too
    sql_directory: Path | None = None  # default: ``sql/`` beside ``directory``, when there is one
    heads: tuple[str, ...] = field(init=False)
    layer: sql_layer.Layer | None = field(init=False)
    sql_hash: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.heads = tuple(ScriptDirectory.from_config(self.config()).get_heads())
        if self.sql_directory is None and (self.directory.parent / "sql").is_dir():
            self.sql_directory = self.directory.parent / "sql"
        has_layer = self.sql_directory is not None or self.shared_sql
        self.layer = sql_layer.Layer(self.schema, self.sql_directory, self.shared_sql) if has_layer else None
        self.sql_hash = self.layer.hash() if self.layer else None

    def with_sql_directory(self, directory: Path) -> Migrations:
        """The same part with its own sql files taken from ``directory`` (an edited copy, say)."""
        return replace(self, sql_directory=directory)

    def config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.directory))
        cfg.attributes["schema"] = self.schema
        return cfg

    async def upgrade(self, engine: AsyncEngine, revision: str = "head", app_role: str | None = None) -> None:
        """Upgrade the schema, then (at head) its sql layer; with ``app_role``, grant that (serving) role
        what it may do, no more."""
        cfg = self.config()
        async with engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"migrate:{self.schema}"}
            )
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            before = await _versions(conn, self.schema)
            await conn.run_sync(_run_upgrade, cfg, revision)
            after = await _versions(conn, self.schema)
            # Below head the files may name tables that do not exist yet. A revision that ran may have
            # dropped or rebuilt a table with its triggers: the layer is applied again after any.
            if self.layer is not None and after == tuple(sorted(self.heads)):
                await sql_layer.apply(conn, self.layer, force=before != after)
            if app_role:
                await grant_app_role(conn, self.schema, app_role)

    async def current(self, engine: AsyncEngine) -> tuple[str, ...]:
        async with engine.connect() as conn:
            return await _versions(conn, self.schema)

    async def status(self, engine: AsyncEngine) -> str:
        """ "ok" when the tables are at head and the functions are the files' (by their stored hash)."""
        async with engine.connect() as conn:
            if await _versions(conn, self.schema) != tuple(sorted(self.heads)):
                return "behind head"
            if self.layer is not None and await sql_layer.stored_hash(conn, self.schema) != self.sql_hash:
                return "sql layer not applied"
        return "ok"

    async def at_head(self, engine: AsyncEngine) -> bool:
        return await self.status(engine) == "ok"


async def _versions(conn: AsyncConnection, schema: str) -> tuple[str, ...]:
    exists = await conn.scalar(
        text("SELECT to_regclass(:table) IS NOT NULL"), {"table": f'"{schema}".{VERSION_TABLE}'}
    )
    if not exists:
        return ()
    # The schema name is our own constant, never input.
    rows = await conn.execute(text(f'SELECT version_num FROM "{schema}".{VERSION_TABLE}'))  # noqa: S608
    return tuple(sorted(r[0] for r in rows))


async def grant_app_role(conn: AsyncConnection, schema: str, role: str) -> None:
    """Data rights on every table of the schema, except that audit rows can only be added and read."""
    quote = conn.dialect.identifier_preparer.quote
    schema_q, role_q = quote(schema), quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
    ):
        await conn.execute(text(statement))
    has_audit = await conn.scalar(
        text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema_q}.{AUDIT_TABLE}"}
    )
    if has_audit:
        await conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema_q}.{AUDIT_TABLE} FROM {role_q}"))
    # The serving role may read which sql layer is applied (readiness), not change it.
    layer = f"{schema_q}.{sql_layer.TABLE}"
    if await conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": layer}):
        await conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {layer} FROM {role_q}"))


def _run_upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def run_env(context: ModuleType, target_metadata: MetaData) -> None:
    """The body of every part's ``migrations/env.py``: ``context`` is alembic's context module (the run's
    EnvironmentContext behind module functions)."""
    schema: str = context.config.attributes["schema"]

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    def configure_and_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        configure_and_run(connection)
        return
    # Run from the alembic command line: connect with FANGPIN_DATABASE_URL ourselves.
    asyncio.run(_run_standalone(configure_and_run))


async def _run_standalone(run: Any) -> None:
    import os

    from services.common.database import create_engine

    url = os.environ.get("FANGPIN_DATABASE_URL")
    if not url:
        raise SystemExit("Set FANGPIN_DATABASE_URL to run alembic directly, or use `fangpin migrate`")
    engine = create_engine(url, part="alembic")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
