"""The monitoring service's rollups (schema ``monitoring``): alerts open and overdue, and households by
their cases' states, per area and day, kept by triggers (see services.common.rollups).

Two kinds of subject share the tables:

- an **alert** (its id): open (``alerts_open``, key: the risk code) from the China day it was first
  raised until the day it was closed (``handled_at``; a live alert has no end), and overdue
  (``alerts_overdue``) from the day after raised + the limit, the thresholds' ``alert_decision_days``
  in force for its village and the year it was raised (default 30), as ``stats.service`` decides it.
  The limit in force is the latest version of the most specific area, whatever the day, so a new
  threshold version changes it for every alert below that area raised in that year: the thresholds'
  trigger refreshes those alerts.
- a **household** with cases (its id): its state on a day is rebuilt from each case's recorded steps
  (the last step taken by the end of the day, in the order they were taken), from the day the case was
  opened. ``case_state`` (key: the state), ``monitored_type`` (key: the type, in the monitored states
  only) and ``cases_past_limit`` (undecided and past ``decision_due_on``). A household counts once per
  village, state, type and lateness, as the raw query (``stats.repository.case_counts``) counts it: two
  rejected cases of one household are one rejected household. (The raw query takes that distinct per
  child area, the rollups per village: they differ only for a household with cases in two villages of
  one town, which a household that moved could have.)

Visit compliance is a third kind of subject, the cadres' pairings (``visits.rollups``). The people
counts (household_size at the latest visit) are not here: the statistics count them at request time.
"""

from __future__ import annotations

from services.common.rollups.ddl import Feeds
from services.common.rollups.install import install_statements, uninstall_statements
from services.monitoring.cases.service import DEFAULT_DECISION_DAYS
from services.monitoring.cases.workflow import MONITORED_STATES, UNDECIDED_STATES
from services.monitoring.codes import LIVE_ALERT_STATES
from services.monitoring.models import SCHEMA

OPEN, OVERDUE = "alerts_open", "alerts_overdue"
STATE, TYPE, PAST_LIMIT = "case_state", "monitored_type", "cases_past_limit"


def _sql_list(values: object) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(getattr(v, "value", v)) for v in values))  # type: ignore[attr-defined]


# China's calendar day of a moment (a fixed UTC+8, as services.common.calendar.CHINA).
CHINA_DAY = "timezone(INTERVAL '+08:00', {})::date"

DELTAS_SQL = f"""
CREATE FUNCTION monitoring.rollup_area_prefix(code text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN code = '000000000000' THEN '' ELSE substr(code, 1, (
        SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m WHERE ltrim(substr(code, m + 1), '0') = ''
    )) END
$$;

CREATE FUNCTION monitoring.alert_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH alerts AS MATERIALIZED (
    SELECT a.id, a.area_code, a.risk_code, {CHINA_DAY.format("a.first_raised_at")} AS raised_on,
           -- Closed (a case took it, or it was dismissed) on the day of handled_at; closed with no
           -- time recorded: never counted open, as the raw query does not count it.
           CASE WHEN a.state IN ({_sql_list(LIVE_ALERT_STATES)}) THEN NULL
                ELSE COALESCE({CHINA_DAY.format("a.handled_at")}, '-infinity'::date) END AS closed_on
    FROM monitoring.alerts AS a WHERE a.id = ANY(ids)
),
spans AS (
    SELECT id, area_code, '{OPEN}' AS measure, risk_code AS key, raised_on AS starts, closed_on AS ends
    FROM alerts
    UNION ALL
    SELECT a.id, a.area_code, '{OVERDUE}', a.risk_code,
           GREATEST(a.raised_on, a.raised_on + COALESCE(l.days, {DEFAULT_DECISION_DAYS}) + 1), a.closed_on
    FROM alerts AS a LEFT JOIN LATERAL (
        -- The limit in force (thresholds.repository.in_force): the most specific area's latest version.
        SELECT t.alert_decision_days AS days FROM monitoring.thresholds AS t
        WHERE t.year = extract(year FROM a.raised_on)::int
          AND t.area_code IN (SELECT x.area_code FROM monitoring.rollup_ancestors(a.area_code) AS x
                              UNION ALL SELECT '000000000000')
        ORDER BY t.area_code DESC, t.version DESC LIMIT 1
    ) AS l ON true
)
SELECT id, area_code, measure, key, starts, 1 FROM spans WHERE ends IS NULL OR ends > starts
UNION ALL
SELECT id, area_code, measure, key, ends, -1 FROM spans WHERE ends > starts
$$;

CREATE FUNCTION monitoring.household_case_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH cases AS MATERIALIZED (
    SELECT c.id, c.household_id, c.area_code, c.monitoring_type, c.decision_due_on,
           {CHINA_DAY.format("c.opened_at")} AS opened_on
    FROM monitoring.cases AS c WHERE c.household_id = ANY(ids)
),
steps AS MATERIALIZED (
    SELECT e.case_id, e.id, e.to_state, {CHINA_DAY.format("e.at")} AS day
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
           CASE WHEN s.to_state IN ({_sql_list(MONITORED_STATES)}) THEN c.monitoring_type END AS type,
           (s.to_state IN ({_sql_list(UNDECIDED_STATES)}) AND c.decision_due_on < p.day) AS late
    FROM points AS p JOIN cases AS c ON c.household_id = p.household_id AND c.opened_on <= p.day
    CROSS JOIN LATERAL (
        SELECT st.to_state FROM steps AS st WHERE st.case_id = c.id AND st.day <= p.day
        ORDER BY st.id DESC LIMIT 1
    ) AS s
),
figures AS (
    SELECT household_id, area_code, day, next_day, '{STATE}' AS measure, state AS key FROM states
    UNION ALL
    SELECT household_id, area_code, day, next_day, '{TYPE}', type FROM states WHERE type IS NOT NULL
    UNION ALL
    SELECT household_id, area_code, day, next_day, '{PAST_LIMIT}', '' FROM states WHERE late
)
SELECT household_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT household_id, area_code, measure, key, day, 1 AS delta FROM figures
    UNION ALL
    SELECT household_id, area_code, measure, key, next_day, -1 FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$;

CREATE FUNCTION monitoring.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM monitoring.alert_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.household_case_deltas_of(ids)
$$;

CREATE FUNCTION monitoring.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
$$;
"""  # noqa: S608 - our own constants

DROP_DELTAS_SQL = """
DROP FUNCTION monitoring.rollup_all_subjects();
DROP FUNCTION monitoring.rollup_deltas_of(uuid[]);
DROP FUNCTION monitoring.household_case_deltas_of(uuid[]);
DROP FUNCTION monitoring.alert_deltas_of(uuid[]);
DROP FUNCTION monitoring.rollup_area_prefix(text);
"""

# The alerts below a threshold version's area, raised in its year. Codes are digits, so the range from
# the prefix to the prefix followed by ':' (after '9') is the codes that start with it, which the
# alerts' text_pattern_ops index answers even for a prefix that comes from a row (LIKE would not).
THRESHOLD_ALERTS = (
    "SELECT a.id FROM {rows} JOIN monitoring.alerts AS a "
    "ON a.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code) "
    "AND a.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':') "
    "AND extract(year FROM timezone(INTERVAL '+08:00', a.first_raised_at)) = r.year"
)

FEEDS = [
    Feeds(
        "alerts",
        "SELECT r.id FROM {rows}",
        ("area_code", "risk_code", "state", "first_raised_at", "handled_at"),
    ),
    Feeds(
        "cases",
        "SELECT r.household_id FROM {rows}",
        ("household_id", "area_code", "monitoring_type", "decision_due_on", "opened_at"),
    ),
    Feeds(
        "case_events",
        "SELECT c.household_id FROM {rows} JOIN monitoring.cases AS c ON c.id = r.case_id",
        ("case_id", "to_state", "at"),
    ),
    Feeds("thresholds", THRESHOLD_ALERTS, ("area_code", "year", "version", "alert_decision_days")),
]


def upgrade_statements() -> list[str]:
    """The tables (their functions are used by ours), the functions, the triggers, then the first fill."""
    return install_statements(SCHEMA, DELTAS_SQL, FEEDS)


def downgrade_statements() -> list[str]:
    return uninstall_statements(SCHEMA, DROP_DELTAS_SQL, FEEDS)
