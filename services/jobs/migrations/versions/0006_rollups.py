"""rollups: employment, post and training figures per area and day, kept by triggers, filled from the rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "jobs"
FEEDS = ("employment_records", "welfare_posts", "post_assignments", "training_enrolments")

TABLES = """
CREATE TABLE jobs.rollup_subjects (subject_id uuid PRIMARY KEY);
CREATE TABLE jobs.rollup_contributions (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta integer NOT NULL
);
CREATE INDEX ix_rollup_contributions_subject ON jobs.rollup_contributions (subject_id);
CREATE TABLE jobs.rollup_totals (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_totals_area ON jobs.rollup_totals (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_rollup_totals_parent ON jobs.rollup_totals (parent_code, day)
    INCLUDE (area_code, measure, key, delta);
-- Keys here are longer than elsewhere (a destination or a job's place in words, up to 100 characters,
-- after a course id).
ALTER TABLE jobs.rollup_contributions ALTER COLUMN key TYPE varchar(160);
ALTER TABLE jobs.rollup_totals ALTER COLUMN key TYPE varchar(160);
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
CREATE FUNCTION pg_temp.employment_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH last_of_day AS (
    SELECT DISTINCT ON (r.person_id, r.reported_on)
           r.person_id, r.reported_on, r.area_code, r.status, r.household_category,
           COALESCE(rpad(left(r.place_code, 2), 12, '0'), r.place_name) AS destination
    FROM jobs.employment_records AS r WHERE r.person_id = ANY(ids)
    ORDER BY r.person_id, r.reported_on, r.seq DESC
),
states AS MATERIALIZED (
    SELECT person_id, area_code, reported_on AS day,
           lead(reported_on) OVER (PARTITION BY person_id ORDER BY reported_on) AS next_day,
           status, household_category, destination,
           status IN ('away_in_county', 'away_in_province', 'away_out_of_province') AS away
    FROM last_of_day
),
figures AS (
    SELECT person_id, area_code, day, next_day, 'people' AS measure, status AS key FROM states
    UNION ALL
    SELECT person_id, area_code, day, next_day, 'away_by_category', household_category
    FROM states WHERE away
    UNION ALL
    SELECT person_id, area_code, day, next_day,
           CASE WHEN destination IS NULL THEN 'away_no_destination' ELSE 'away_by_destination' END,
           COALESCE(destination, '')
    FROM states WHERE away
)
SELECT person_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT person_id, area_code, measure, key, day, 1 AS delta FROM figures
    UNION ALL
    SELECT person_id, area_code, measure, key, next_day, -1 FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$
""",
    """
CREATE FUNCTION pg_temp.post_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH posts AS MATERIALIZED (
    SELECT p.id, p.area_code, p.funding_source, p.post_type, p.capacity, p.starts_on,
           CASE WHEN p.ends_on < date '9999-12-31' THEN p.ends_on + 1 END AS stops_on
    FROM jobs.welfare_posts AS p WHERE p.id = ANY(ids)
),
-- Each figure from the day it starts until the day it stops (none: still counts); least() skips nulls.
spans AS MATERIALIZED (
    SELECT id, area_code, funding_source, post_type, starts_on AS day, stops_on AS next_day,
           'posts' AS what, 1 AS value
    FROM posts
    UNION ALL
    SELECT id, area_code, funding_source, post_type, starts_on, stops_on, 'places', capacity FROM posts
    UNION ALL
    SELECT held.* FROM (
        SELECT p.id, p.area_code, p.funding_source, p.post_type, greatest(a.starts_on, p.starts_on) AS day,
               least(CASE WHEN a.ends_on < date '9999-12-31' THEN a.ends_on + 1 END, p.stops_on) AS next_day,
               'filled' AS what, 1 AS value
        FROM posts AS p JOIN jobs.post_assignments AS a ON a.post_id = p.id
    ) AS held
    WHERE held.next_day IS NULL OR held.next_day > held.day
),
figures AS (
    SELECT id, area_code, day, next_day, what || '_by_source' AS measure, funding_source AS key, value
    FROM spans
    UNION ALL
    SELECT id, area_code, day, next_day, what || '_by_type', post_type, value FROM spans
)
SELECT id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT id, area_code, measure, key, day, value AS delta FROM figures
    UNION ALL
    SELECT id, area_code, measure, key, next_day, -value FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$
""",
    """
CREATE FUNCTION pg_temp.enrolment_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH e AS MATERIALIZED (
    SELECT en.id, en.area_code, en.course_id::text AS course, en.enrolled_on,
           -- greatest() skips nulls: only a step that was taken counts.
           CASE WHEN en.completed_on IS NOT NULL THEN greatest(en.completed_on, en.enrolled_on) END
               AS completed_on,
           CASE WHEN en.dropped_on IS NOT NULL THEN greatest(en.dropped_on, en.enrolled_on) END AS dropped_on,
           CASE WHEN en.placed_on IS NOT NULL THEN greatest(en.placed_on, en.enrolled_on) END AS placed_on,
           COALESCE(en.place, '') AS place
    FROM jobs.training_enrolments AS en WHERE en.id = ANY(ids)
)
SELECT id, area_code, 'enrolled', course, enrolled_on, 1 FROM e
UNION ALL
SELECT id, area_code, 'completed', course, completed_on, 1 FROM e WHERE completed_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'dropped', course, dropped_on, 1 FROM e WHERE dropped_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'placed', course, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'placed_at', course || ' ' || place, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM pg_temp.employment_deltas_of(ids)
    UNION ALL SELECT * FROM pg_temp.post_deltas_of(ids)
    UNION ALL SELECT * FROM pg_temp.enrolment_deltas_of(ids)
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT person_id FROM jobs.employment_records
    UNION SELECT id FROM jobs.welfare_posts
    UNION SELECT id FROM jobs.training_enrolments
$$
""",
)
FILL = """
INSERT INTO jobs.rollup_contributions
SELECT * FROM pg_temp.rollup_deltas_of(ARRAY(SELECT pg_temp.rollup_all_subjects()));
INSERT INTO jobs.rollup_totals (area_code, parent_code, measure, key, day, delta)
SELECT a.area_code, a.parent_code, c.measure, c.key, c.day, sum(c.delta)
FROM (
    SELECT area_code, measure, key, day, sum(delta) AS delta FROM jobs.rollup_contributions
    GROUP BY 1, 2, 3, 4
) AS c CROSS JOIN LATERAL pg_temp.rollup_ancestors(c.area_code) AS a
GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.delta) <> 0
"""  # noqa: S608 - our own constants
DROP_FROZEN = "DROP FUNCTION " + ", ".join(
    (
        "pg_temp.rollup_ancestors(text)",
        "pg_temp.employment_deltas_of(uuid[])",
        "pg_temp.post_deltas_of(uuid[])",
        "pg_temp.enrolment_deltas_of(uuid[])",
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
