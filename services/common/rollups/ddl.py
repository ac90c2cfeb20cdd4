"""The names of a service's rollup tables, and how a bulk writer defers the refreshes (see the package
docstring).

The tables are made by each service's alembic revisions; the functions and triggers that keep them
(``rollup_refresh``, ``rollup_flush``, ``rollup_ancestors`` and the statement triggers) are the sql
layer's: ``services/common/sql/030_rollup_refresh.sql`` and
``services/<name>/sql/050_rollup_triggers.sql``. Totals are append-only: a write adds rows rather than
updating a county's row, so concurrent writers in one county never queue on a hot row. A background
compaction (``store.compact``) folds the rows of one area, measure, key and day into one.

"""

from __future__ import annotations

CONTRIBUTIONS = "rollup_contributions"
TOTALS = "rollup_totals"
SUBJECTS = "rollup_subjects"


def defer_statements(schema: str) -> tuple[str, str]:
    """Run in a transaction before a bulk write: the triggers then only note the subjects they touch,
    until ``flush_sql`` refreshes each of them once (it must run before the transaction commits)."""
    return (
        f"CREATE TEMP TABLE IF NOT EXISTS {schema}_rollup_pending (subject_id uuid) ON COMMIT DELETE ROWS",
        "SELECT set_config('fangpin.rollups_deferred', 'on', true)",
    )


def defer_sql(schema: str) -> str:
    """``defer_statements`` as one script (for a driver that runs several statements at once)."""
    return "; ".join(defer_statements(schema))


def flush_sql(schema: str) -> str:
    return f"SELECT {schema}.rollup_flush()"
