"""The tables, functions and triggers of a service's rollups (see the package docstring).

Totals are append-only: a write adds rows rather than updating a county's row, so concurrent writers in
one county never queue on a hot row. A background compaction (``store.compact``) folds the rows of one
area, measure, key and day into one.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRIBUTIONS = "rollup_contributions"
TOTALS = "rollup_totals"
SUBJECTS = "rollup_subjects"


ROLLUP_DDL = """
CREATE TABLE {s}.{SUBJECTS} (subject_id uuid PRIMARY KEY);
CREATE TABLE {s}.{CONTRIBUTIONS} (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta integer NOT NULL
);
CREATE INDEX ix_{CONTRIBUTIONS}_subject ON {s}.{CONTRIBUTIONS} (subject_id);
CREATE TABLE {s}.{TOTALS} (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_{TOTALS}_area ON {s}.{TOTALS} (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_{TOTALS}_parent ON {s}.{TOTALS} (parent_code, day) INCLUDE (area_code, measure, key, delta);

-- The area itself and every area above it, each with its parent (a code counts at its own level and up).
CREATE FUNCTION {s}.rollup_ancestors(code text) RETURNS TABLE (area_code text, parent_code text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT rpad(substr(code, 1, l.n), 12, '0'),
           CASE WHEN l.p = 0 THEN NULL ELSE rpad(substr(code, 1, l.p), 12, '0') END
    FROM (VALUES (2, 0), (4, 2), (6, 4), (9, 6), (12, 9)) AS l (n, p)
    WHERE l.n <= (SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m
                  WHERE ltrim(substr(code, m + 1), '0') = '')
$$;

"""


REFRESH_FUNCTIONS = """
CREATE OR REPLACE FUNCTION {s}.rollup_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- A bulk writer (the import) may note the subjects and refresh each once, before it commits
    -- (rollup_flush), rather than once per statement that touches them.
    IF current_setting('fangpin.rollups_deferred', true) = 'on' THEN
        INSERT INTO pg_temp.{s}_rollup_pending SELECT unnest(ids);
        RETURN;
    END IF;
    -- One refresh of a subject at a time: a second waits here, then (read committed: a fresh snapshot
    -- per statement) sees the first's contributions and replaces them rather than adding to them.
    INSERT INTO {s}.{SUBJECTS} SELECT DISTINCT unnest(ids) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM {s}.{SUBJECTS} WHERE subject_id = ANY(ids) ORDER BY subject_id FOR UPDATE;
    WITH old AS (
        DELETE FROM {s}.{CONTRIBUTIONS} WHERE subject_id = ANY(ids)
        RETURNING area_code, measure, key, day, -delta AS delta
    ), new AS (
        INSERT INTO {s}.{CONTRIBUTIONS} SELECT * FROM {s}.rollup_deltas_of(ids)
        RETURNING area_code, measure, key, day, delta
    ), diff AS (
        SELECT area_code, measure, key, day, sum(delta) AS delta
        FROM (SELECT * FROM old UNION ALL SELECT * FROM new) AS c
        GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0
    )
    INSERT INTO {s}.{TOTALS} (area_code, parent_code, measure, key, day, delta)
    SELECT a.area_code, a.parent_code, d.measure, d.key, d.day, d.delta
    FROM diff AS d CROSS JOIN LATERAL {s}.rollup_ancestors(d.area_code) AS a;
END
$$;

CREATE OR REPLACE FUNCTION {s}.rollup_flush() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    pending uuid[];
BEGIN
    PERFORM set_config('fangpin.rollups_deferred', 'off', true);
    pending := ARRAY(SELECT DISTINCT subject_id FROM pg_temp.{s}_rollup_pending);
    DELETE FROM pg_temp.{s}_rollup_pending;
    PERFORM {s}.rollup_refresh(pending);
    RETURN cardinality(pending);
END
$$;
"""


def rollup_ddl(schema: str) -> str:
    """Tables and the refresh functions; the service defines ``rollup_deltas_of`` and
    ``rollup_all_subjects`` first."""
    names = {"SUBJECTS": SUBJECTS, "CONTRIBUTIONS": CONTRIBUTIONS, "TOTALS": TOTALS}
    return ROLLUP_DDL.format(s=schema, **names) + refresh_functions_ddl(schema)


def refresh_functions_ddl(schema: str) -> str:
    """``rollup_refresh`` and ``rollup_flush`` (CREATE OR REPLACE: a later migration may renew them)."""
    return REFRESH_FUNCTIONS.format(s=schema, SUBJECTS=SUBJECTS, CONTRIBUTIONS=CONTRIBUTIONS, TOTALS=TOTALS)


def drop_rollup_ddl(schema: str) -> str:
    return f"""
DROP FUNCTION IF EXISTS {schema}.rollup_flush();  -- not there on databases rolled up before it
DROP FUNCTION {schema}.rollup_refresh(uuid[]);
DROP FUNCTION {schema}.rollup_ancestors(text);
DROP TABLE {schema}.{TOTALS};
DROP TABLE {schema}.{CONTRIBUTIONS};
DROP TABLE {schema}.{SUBJECTS};
"""


@dataclass(frozen=True)
class Feeds:
    """A base table whose writes change some subjects' counts.

    ``subjects`` is a SELECT of subject ids from ``{rows}`` (the written rows, old or new, named ``r``);
    ``columns`` are the columns that matter (``subjects`` may use only these and ``id``): an update
    that changes none of them refreshes nothing.
    """

    table: str
    subjects: str
    columns: tuple[str, ...]


def trigger_ddl(schema: str, feeds: Feeds) -> str:
    """Statement triggers (one per kind of write: PostgreSQL keeps transition tables per event)."""
    name = f"rollup_{feeds.table}"
    inserted = feeds.subjects.format(rows="new_rows AS r")
    deleted = feeds.subjects.format(rows="old_rows AS r")
    # Rows an update changed in a column that matters, as a set difference (hashed: a join of the two
    # transition tables, which have no statistics, can turn into a nested loop over both).
    columns = ", ".join(("id", *feeds.columns))
    changed = f"(SELECT {columns} FROM new_rows EXCEPT SELECT {columns} FROM old_rows)"  # noqa: S608
    before = f"(SELECT {columns} FROM old_rows EXCEPT SELECT {columns} FROM new_rows)"  # noqa: S608
    updated = (
        f"{feeds.subjects.format(rows=changed + ' AS r')} "
        f"UNION {feeds.subjects.format(rows=before + ' AS r')}"
    )
    return f"""
CREATE FUNCTION {schema}.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM {schema}.rollup_refresh(ARRAY({inserted}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM {schema}.rollup_refresh(ARRAY({deleted}));
    ELSE
        PERFORM {schema}.rollup_refresh(ARRAY({updated}));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {name}_insert AFTER INSERT ON {schema}.{feeds.table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{name}();
CREATE TRIGGER {name}_update AFTER UPDATE ON {schema}.{feeds.table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{name}();
CREATE TRIGGER {name}_delete AFTER DELETE ON {schema}.{feeds.table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{name}();
"""


def drop_trigger_ddl(schema: str, table: str) -> str:
    name = f"rollup_{table}"
    return f"""
DROP TRIGGER {name}_insert ON {schema}.{table};
DROP TRIGGER {name}_update ON {schema}.{table};
DROP TRIGGER {name}_delete ON {schema}.{table};
DROP FUNCTION {schema}.{name}();
"""


STALE_DDL = """
CREATE TABLE {s}.rollup_stale (subject_id uuid PRIMARY KEY);

-- Refreshes up to ``batch`` subjects that a write marked stale rather than refreshing them itself (a
-- change that touches every subject of a county), taking them off the list: returns how many.
CREATE FUNCTION {s}.rollup_refresh_stale(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    taken uuid[];
BEGIN
    WITH picked AS (
        SELECT subject_id FROM {s}.rollup_stale ORDER BY subject_id LIMIT batch FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM {s}.rollup_stale AS t USING picked WHERE t.subject_id = picked.subject_id
        RETURNING t.subject_id
    )
    SELECT array_agg(subject_id) INTO taken FROM gone;
    PERFORM {s}.rollup_refresh(taken);
    RETURN coalesce(cardinality(taken), 0);
END
$$;
"""


def stale_ddl(schema: str) -> str:
    """A list of stale subjects, refreshed in batches in the background (``compaction.Compactor``)."""
    return STALE_DDL.format(s=schema)


def drop_stale_ddl(schema: str) -> str:
    return f"DROP FUNCTION {schema}.rollup_refresh_stale(integer); DROP TABLE {schema}.rollup_stale;"


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
