"""rollups: alerts open and overdue and households by case state per area and day, kept by triggers,
filled from the rows here

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "monitoring"
FEEDS = ("alerts", "cases", "case_events", "thresholds")

TABLES = """
CREATE TABLE monitoring.rollup_subjects (subject_id uuid PRIMARY KEY);
CREATE TABLE monitoring.rollup_contributions (
    subject_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta integer NOT NULL
);
CREATE INDEX ix_rollup_contributions_subject ON monitoring.rollup_contributions (subject_id);
CREATE TABLE monitoring.rollup_totals (
    area_code varchar(12) NOT NULL,
    parent_code varchar(12),
    measure varchar(32) NOT NULL,
    key varchar(32) NOT NULL,
    day date NOT NULL,
    delta bigint NOT NULL
);
CREATE INDEX ix_rollup_totals_area ON monitoring.rollup_totals (area_code, day) INCLUDE (measure, key, delta);
CREATE INDEX ix_rollup_totals_parent ON monitoring.rollup_totals (parent_code, day)
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
CREATE FUNCTION pg_temp.alert_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH alerts AS MATERIALIZED (
    SELECT a.id, a.area_code, a.risk_code,
           timezone(INTERVAL '+08:00', a.first_raised_at)::date AS raised_on,
           -- Closed (a case took it, or it was dismissed) on the day of handled_at; closed with no
           -- time recorded: never counted open, as the raw query does not count it.
           CASE WHEN a.state IN ('acknowledged', 'open') THEN NULL
                ELSE COALESCE(timezone(INTERVAL '+08:00', a.handled_at)::date, '-infinity'::date)
           END AS closed_on
    FROM monitoring.alerts AS a WHERE a.id = ANY(ids)
),
spans AS (
    SELECT id, area_code, 'alerts_open' AS measure, risk_code AS key, raised_on AS starts, closed_on AS ends
    FROM alerts
    UNION ALL
    SELECT a.id, a.area_code, 'alerts_overdue', a.risk_code,
           GREATEST(a.raised_on, a.raised_on + COALESCE(l.days, 30) + 1), a.closed_on
    FROM alerts AS a LEFT JOIN LATERAL (
        -- The limit in force (thresholds.repository.in_force): the most specific area's latest version.
        SELECT t.alert_decision_days AS days FROM monitoring.thresholds AS t
        WHERE t.year = extract(year FROM a.raised_on)::int
          AND t.area_code IN (SELECT x.area_code FROM pg_temp.rollup_ancestors(a.area_code) AS x
                              UNION ALL SELECT '000000000000')
        ORDER BY t.area_code DESC, t.version DESC LIMIT 1
    ) AS l ON true
)
SELECT id, area_code, measure, key, starts, 1 FROM spans WHERE ends IS NULL OR ends > starts
UNION ALL
SELECT id, area_code, measure, key, ends, -1 FROM spans WHERE ends > starts
$$
""",
    """
CREATE FUNCTION pg_temp.household_case_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH cases AS MATERIALIZED (
    SELECT c.id, c.household_id, c.area_code, c.monitoring_type, c.decision_due_on,
           timezone(INTERVAL '+08:00', c.opened_at)::date AS opened_on
    FROM monitoring.cases AS c WHERE c.household_id = ANY(ids)
),
steps AS MATERIALIZED (
    SELECT e.case_id, e.id, e.to_state, timezone(INTERVAL '+08:00', e.at)::date AS day
    FROM monitoring.case_events AS e JOIN cases AS c ON c.id = e.case_id
),
-- The days anything of the household may change: a case opened, a step taken, a limit passed.
breakpoints AS (
    SELECT household_id, opened_on AS day FROM cases
    UNION SELECT c.household_id, s.day FROM steps AS s JOIN cases AS c ON c.id = s.case_id
    UNION SELECT household_id, decision_due_on + 1 FROM cases
),
points AS MATERIALIZED (
    SELECT household_id, day, lead(day) OVER (PARTITION BY household_id ORDER BY day) AS next_day
    FROM breakpoints
),
states AS MATERIALIZED (
    SELECT DISTINCT p.household_id, p.day, p.next_day, c.area_code, s.to_state AS state,
           CASE WHEN s.to_state IN ('enrolled', 'exit_county', 'exit_town', 'exit_village')
                THEN c.monitoring_type END AS type,
           (s.to_state IN ('county_review', 'public_notice', 'town_review', 'village_deliberation')
            AND c.decision_due_on < p.day) AS late
    FROM points AS p JOIN cases AS c ON c.household_id = p.household_id AND c.opened_on <= p.day
    CROSS JOIN LATERAL (
        SELECT st.to_state FROM steps AS st WHERE st.case_id = c.id AND st.day <= p.day
        ORDER BY st.id DESC LIMIT 1
    ) AS s
),
figures AS (
    SELECT household_id, area_code, day, next_day, 'case_state' AS measure, state AS key FROM states
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'monitored_type', type FROM states WHERE type IS NOT NULL
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'cases_past_limit', '' FROM states WHERE late
)
SELECT household_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT household_id, area_code, measure, key, day, 1 AS delta FROM figures
    UNION ALL
    SELECT household_id, area_code, measure, key, next_day, -1 FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM pg_temp.alert_deltas_of(ids)
    UNION ALL SELECT * FROM pg_temp.household_case_deltas_of(ids)
$$
""",
    """
CREATE FUNCTION pg_temp.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
$$
""",
)
FILL = """
INSERT INTO monitoring.rollup_contributions
SELECT * FROM pg_temp.rollup_deltas_of(ARRAY(SELECT pg_temp.rollup_all_subjects()));
INSERT INTO monitoring.rollup_totals (area_code, parent_code, measure, key, day, delta)
SELECT a.area_code, a.parent_code, c.measure, c.key, c.day, sum(c.delta)
FROM (
    SELECT area_code, measure, key, day, sum(delta) AS delta FROM monitoring.rollup_contributions
    GROUP BY 1, 2, 3, 4
) AS c CROSS JOIN LATERAL pg_temp.rollup_ancestors(c.area_code) AS a
GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.delta) <> 0
"""  # noqa: S608 - our own constants
DROP_FROZEN = "DROP FUNCTION " + ", ".join(
    (
        "pg_temp.rollup_ancestors(text)",
        "pg_temp.alert_deltas_of(uuid[])",
        "pg_temp.household_case_deltas_of(uuid[])",
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
