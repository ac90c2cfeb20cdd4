"""rollups: household and people counts per area and day, kept by triggers, filled from the rows here

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "registry"
FEEDS = ("households", "people", "household_moves", "person_moves", "programme_memberships")

TABLES = """
CREATE TABLE registry.rollup_subjects (subject_id uuid PRIMARY KEY);
CREATE TABLE registry.rollup_contributions (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta integer NOT NULL
);
CREATE INDEX ix_rollup_contributions_subject ON registry.rollup_contributions (subject_id);
CREATE TABLE registry.rollup_totals (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_totals_area ON registry.rollup_totals (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_rollup_totals_parent ON registry.rollup_totals (parent_code, day)
    INCLUDE (area_code, measure, key, delta);
"""

# The first fill counts the rows already there as each subject's contribution was defined when this
# revision was written: that definition is frozen here, as temporary functions (pg_temp) dropped once
# the fill is done. The live functions and the triggers are the sql layer's, made at head.
FROZEN = (
    """
CREATE FUNCTION pg_temp.rollup_ancestors(code text)
RETURNS TABLE (area_code text, parent_code text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT rpad(substr(code, 1, l.n), 12, '0'),
           CASE WHEN l.p = 0 THEN NULL ELSE rpad(substr(code, 1, l.p), 12, '0') END
    FROM (VALUES (2, 0), (4, 2), (6, 4), (9, 6), (12, 9)) AS l (n, p)
    WHERE l.n <= (SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m
                  WHERE ltrim(substr(code, m + 1), '0') = '')
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH hs AS MATERIALIZED (
    SELECT h.id, h.area_code, h.registered_on FROM registry.households AS h
    WHERE h.id = ANY(ids) AND h.deleted_at IS NULL
),
-- Everyone who ever belonged: members now, and those who have moved out since.
people_of AS MATERIALIZED (
    SELECT p.id AS person_id, p.household_id, p.registered_on, p.deceased_on, p.household_id AS now_in
    FROM registry.people AS p WHERE p.household_id = ANY(ids) AND p.deleted_at IS NULL
    UNION
    SELECT p.id, pm.from_household_id, p.registered_on, p.deceased_on, p.household_id
    FROM registry.person_moves AS pm JOIN registry.people AS p ON p.id = pm.person_id AND p.deleted_at IS NULL
    WHERE pm.from_household_id = ANY(ids)
),
breakpoints AS (
    SELECT id AS household_id, registered_on AS day FROM hs
    UNION SELECT m.household_id, m.effective_on FROM registry.household_moves AS m
          WHERE m.household_id = ANY(ids)
    UNION SELECT household_id, registered_on FROM people_of
    UNION SELECT household_id, deceased_on FROM people_of WHERE deceased_on IS NOT NULL
    UNION SELECT po.household_id, pm.effective_on FROM people_of AS po
          JOIN registry.person_moves AS pm ON pm.person_id = po.person_id
    UNION SELECT g.household_id, g.starts_on FROM registry.programme_memberships AS g
          WHERE g.household_id = ANY(ids)
    UNION SELECT g.household_id, g.ends_on + 1 FROM registry.programme_memberships AS g
          WHERE g.household_id = ANY(ids) AND g.ends_on < '9999-12-31' -- the last date: no end
),
points AS MATERIALIZED (
    SELECT b.household_id, b.day, lead(b.day) OVER (PARTITION BY b.household_id ORDER BY b.day) AS next_day,
           COALESCE((SELECT m.from_area_code FROM registry.household_moves AS m
                      WHERE m.household_id = b.household_id AND m.effective_on > b.day
                      ORDER BY m.effective_on, m.id LIMIT 1), hs.area_code) AS area_code
    FROM breakpoints AS b JOIN hs ON hs.id = b.household_id
    WHERE b.day >= hs.registered_on
),
members AS MATERIALIZED (
    SELECT pt.household_id, pt.area_code, pt.day, pt.next_day, po.person_id
    FROM points AS pt JOIN people_of AS po ON po.household_id = pt.household_id
    WHERE po.registered_on <= pt.day AND (po.deceased_on IS NULL OR po.deceased_on > pt.day)
      AND COALESCE((SELECT pm.from_household_id FROM registry.person_moves AS pm
                     WHERE pm.person_id = po.person_id AND pm.effective_on > pt.day
                     ORDER BY pm.effective_on, pm.id LIMIT 1), po.now_in) = pt.household_id
),
-- Each state carries its place and the day it ends, so no join is needed to turn states into deltas.
states AS (
    SELECT household_id, area_code, day, next_day, 'households' AS measure, '' AS key, 1 AS value
    FROM points
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'people', '', count(*) FROM members GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT pt.household_id, pt.area_code, pt.day, pt.next_day, 'programme_households', g.programme, 1
    FROM points AS pt JOIN registry.programme_memberships AS g ON g.household_id = pt.household_id
     AND g.starts_on <= pt.day AND (g.ends_on IS NULL OR g.ends_on >= pt.day)
    GROUP BY 1, 2, 3, 4, 6
    UNION ALL
    SELECT m.household_id, m.area_code, m.day, m.next_day, 'programme_people', g.programme,
           count(DISTINCT m.person_id)
    FROM members AS m JOIN registry.programme_memberships AS g ON g.household_id = m.household_id
     AND g.starts_on <= m.day AND (g.ends_on IS NULL OR g.ends_on >= m.day)
     AND (g.person_id IS NULL OR g.person_id = m.person_id)
    GROUP BY 1, 2, 3, 4, 6
)
SELECT household_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT household_id, area_code, measure, key, day, value AS delta FROM states
    UNION ALL
    SELECT household_id, area_code, measure, key, next_day, -value FROM states WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM registry.households WHERE deleted_at IS NULL
$$
""",
)
FILL = """
INSERT INTO registry.rollup_contributions
SELECT * FROM pg_temp.rollup_deltas_of(ARRAY(SELECT pg_temp.rollup_all_subjects()));
INSERT INTO registry.rollup_totals (area_code, parent_code, measure, key, day, delta)
SELECT a.area_code, a.parent_code, c.measure, c.key, c.day, sum(c.delta)
FROM (
    SELECT area_code, measure, key, day, sum(delta) AS delta FROM registry.rollup_contributions
    GROUP BY 1, 2, 3, 4
) AS c CROSS JOIN LATERAL pg_temp.rollup_ancestors(c.area_code) AS a
GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.delta) <> 0
"""  # noqa: S608 - our own constants
DROP_FROZEN = "DROP FUNCTION " + ", ".join(
    (
        "pg_temp.rollup_ancestors(text)",
        "pg_temp.rollup_deltas_of(uuid[])",
        "pg_temp.rollup_all_subjects()",
    )
)


def _run(script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    _run(TABLES)
    for statement in FROZEN:
        op.execute(statement)
    _run(FILL)
    op.execute(DROP_FROZEN)


def downgrade() -> None:
    # Without these tables the layer's triggers on the base tables would fail every write: they go too.
    for table in FEEDS:
        for kind in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS rollup_{table}_{kind} ON {S}.{table}")
        op.execute(f"DROP FUNCTION IF EXISTS {S}.rollup_{table}()")
    op.execute(f"DROP TABLE {S}.rollup_totals, {S}.rollup_contributions, {S}.rollup_subjects")
