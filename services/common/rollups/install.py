"""Installing a service's rollups in a migration: the tables, the service's functions, the triggers on
its base tables, then the first fill from the rows already there (and the way back)."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.migrations import sql_statements
from services.common.rollups.ddl import Feeds, drop_rollup_ddl, drop_trigger_ddl, rollup_ddl, trigger_ddl
from services.common.rollups.store import rebuild_statements


def install_statements(
    schema: str, functions_sql: str, feeds: Sequence[Feeds], *, tables_sql: str = ""
) -> list[str]:
    """``functions_sql`` creates ``rollup_deltas_of`` and ``rollup_all_subjects`` (and their helpers);
    ``tables_sql`` adapts the rollup tables first (e.g. longer keys)."""
    script = rollup_ddl(schema) + tables_sql + functions_sql + "".join(trigger_ddl(schema, f) for f in feeds)
    return sql_statements(script) + rebuild_statements(schema)


def uninstall_statements(schema: str, drop_functions_sql: str, feeds: Sequence[Feeds]) -> list[str]:
    script = "".join(drop_trigger_ddl(schema, f.table) for f in feeds) + drop_functions_sql
    return sql_statements(script + drop_rollup_ddl(schema))
