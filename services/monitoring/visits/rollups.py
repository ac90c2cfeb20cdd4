"""Visit compliance (走访) as a rollup: each cadre pairing's state on every day, per village.

A third kind of subject joins the alerts and households of ``stats.rollups``: a **pairing** (帮扶结对,
the registry's id), kept in ``monitoring.pairings`` from the registry's events (``visits.pairings``).
On a day D on which it is in force (starts_on ≤ D ≤ ends_on, its household not deleted) a pairing is

- ``visits_visited``: the paired cadre's last visit up to D was at most the interval before D;
- ``visits_not_yet_due``: no visit yet, but paired at most the interval before D;
- ``visits_overdue``: neither (the visit was due before D),

with the area its household's village now and the interval the thresholds' ``visit_interval_days`` in
force for that village and D's year (default 90), exactly as the compliance list judges it
(``visits.repository``) and as ``visits.service.check_pairings``, the reference recount, does. The
totals have no key: a county has thousands of cadres, whose rows it would sum for every report. The
counts by cadre (a town's or a village's) are the pairings' own contributions, summed when asked.

Time alone turns a pairing overdue, so its deltas are scheduled ahead: the day after each due day. Its
timeline is cut at its start, each later visit and each 1 January up to the first year no area has set
thresholds for (from then on the default holds for good); on each piece the last visit (or the start)
and the interval are fixed, so the piece is on time up to the due day and overdue after it.
"""

from __future__ import annotations

from services.common.migrations import sql_statements
from services.common.rollups.ddl import Feeds, drop_stale_ddl, drop_trigger_ddl, stale_ddl, trigger_ddl
from services.common.rollups.store import rebuild_statements
from services.monitoring.models import SCHEMA
from services.monitoring.stats.rollups import CHINA_DAY
from services.monitoring.visits.repository import interval_in_force

VISITED, NOT_YET_DUE, LATE = "visits_visited", "visits_not_yet_due", "visits_overdue"
VISIT_MEASURES = (VISITED, NOT_YET_DUE, LATE)

TABLE_SQL = """
CREATE TABLE monitoring.pairings (
    id uuid PRIMARY KEY,  -- the registry's pairing
    cadre_id uuid NOT NULL,
    household_id uuid NOT NULL,
    area_code varchar(12) NOT NULL,  -- the household's village, following its moves
    starts_on date NOT NULL,
    ends_on date,  -- the last day in force
    household_deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_pairings_household ON monitoring.pairings (household_id, cadre_id);
CREATE INDEX ix_pairings_area ON monitoring.pairings (area_code text_pattern_ops);
"""

DELTAS_SQL = f"""
CREATE FUNCTION monitoring.pairing_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH pairings AS MATERIALIZED (
    SELECT p.id, p.cadre_id, p.household_id, p.area_code, p.starts_on, p.ends_on + 1 AS stops_on
    FROM monitoring.pairings AS p WHERE p.id = ANY(ids) AND NOT p.household_deleted
),
visits AS MATERIALIZED (  -- the paired cadre's visits of the household, by China day, before it too
    SELECT DISTINCT p.id, {CHINA_DAY.format("i.visited_at")} AS day
    FROM pairings AS p JOIN monitoring.inspections AS i
      ON i.household_id = p.household_id AND i.cadre_id = p.cadre_id
),
open_years AS (  -- from this year on no area has thresholds: the default interval holds for good
    SELECT COALESCE(max(year), 0) + 1 AS first FROM monitoring.thresholds
),
before_start AS (  -- the last visit up to the start (a visit made before the pairing counts too)
    SELECT v.id, max(v.day) AS day FROM visits AS v JOIN pairings AS p ON p.id = v.id
    WHERE v.day <= p.starts_on GROUP BY v.id
),
points AS (  -- where a piece starts: the start, each later visit, each 1 January
    SELECT id, day, bool_or(visit) AS visit FROM (
        SELECT id, starts_on AS day, false AS visit FROM pairings
        UNION ALL
        SELECT v.id, v.day, true FROM visits AS v JOIN pairings AS p ON p.id = v.id
        WHERE v.day > p.starts_on AND (p.stops_on IS NULL OR v.day < p.stops_on)
        UNION ALL
        SELECT p.id, make_date(y, 1, 1), false FROM pairings AS p CROSS JOIN open_years AS o
        CROSS JOIN generate_series(extract(year FROM p.starts_on)::int + 1, o.first) AS y
        WHERE p.stops_on IS NULL OR make_date(y, 1, 1) < p.stops_on
    ) AS all_points GROUP BY 1, 2
),
pieces AS MATERIALIZED (  -- up to the next point (or the end): one last visit, one interval
    SELECT pt.id, p.area_code, extract(year FROM pt.day)::int AS year, pt.day AS starts,
           COALESCE(lead(pt.day) OVER w, p.stops_on) AS ends,
           COALESCE(max(CASE WHEN pt.visit THEN pt.day END) OVER w, b.day) AS last_visit, p.starts_on
    FROM points AS pt JOIN pairings AS p ON p.id = pt.id LEFT JOIN before_start AS b ON b.id = pt.id
    WINDOW w AS (PARTITION BY pt.id ORDER BY pt.day)
),
intervals AS (  -- once per village and year
    SELECT a.area_code, a.year, {interval_in_force("a.area_code", "a.year")} AS days
    FROM (SELECT DISTINCT area_code, year FROM pieces) AS a
),
judged AS (
    SELECT pc.id, pc.starts, pc.ends, pc.last_visit IS NOT NULL AS visited,
           COALESCE(pc.last_visit, pc.starts_on) + i.days + 1 AS late_from
    FROM pieces AS pc JOIN intervals AS i ON i.area_code = pc.area_code AND i.year = pc.year
),
spans AS (
    SELECT id, CASE WHEN visited THEN '{VISITED}' ELSE '{NOT_YET_DUE}' END AS measure,
           starts, LEAST(ends, late_from) AS ends
    FROM judged WHERE starts < late_from
    UNION ALL
    SELECT id, '{LATE}', GREATEST(starts, late_from), ends
    FROM judged WHERE ends IS NULL OR GREATEST(starts, late_from) < ends
)
SELECT s.id, p.area_code, s.measure, ''::varchar, d.day, sum(d.delta)::integer
FROM spans AS s JOIN pairings AS p ON p.id = s.id
CROSS JOIN LATERAL (VALUES (s.starts, 1), (s.ends, -1)) AS d (day, delta)
WHERE d.day IS NOT NULL
GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.delta) <> 0
$$;

CREATE OR REPLACE FUNCTION monitoring.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM monitoring.alert_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.household_case_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.pairing_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION monitoring.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
    UNION SELECT id FROM monitoring.pairings
$$;
"""  # noqa: S608 - our own constants

RESTORE_SQL = """
CREATE OR REPLACE FUNCTION monitoring.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM monitoring.alert_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.household_case_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION monitoring.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
$$;
DROP FUNCTION monitoring.pairing_deltas_of(uuid[]);
DROP TABLE monitoring.pairings;
"""

# A new threshold version may change the interval of every pairing below its area in its year: too
# many to recount in the request (a county's 100,000), so they are marked stale and recounted in the
# background (services.common.rollups.compaction), within about a minute.
STALE_ON_THRESHOLDS_SQL = """
CREATE FUNCTION monitoring.visit_thresholds_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitoring.rollup_stale
    SELECT DISTINCT p.id FROM new_rows AS r JOIN monitoring.pairings AS p
      ON p.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
     AND p.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
     AND p.starts_on <= make_date(r.year, 12, 31)
     AND (p.ends_on IS NULL OR p.ends_on >= make_date(r.year, 1, 1))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER visit_thresholds_stale AFTER INSERT ON monitoring.thresholds
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring.visit_thresholds_stale();
"""
DROP_STALE_ON_THRESHOLDS_SQL = """
DROP TRIGGER visit_thresholds_stale ON monitoring.thresholds;
DROP FUNCTION monitoring.visit_thresholds_stale();
"""
# The statistics count visits by cadre from the pairings' own contributions (stats.repository).
CONTRIBUTIONS_INDEX_SQL = f"""
CREATE INDEX ix_rollup_contributions_visits ON monitoring.rollup_contributions
    (area_code text_pattern_ops, day) INCLUDE (subject_id, measure, delta)
    WHERE measure IN ('{VISITED}', '{NOT_YET_DUE}', '{LATE}');
"""

FEEDS = [
    Feeds(
        "pairings",
        "SELECT r.id FROM {rows}",
        ("cadre_id", "household_id", "area_code", "starts_on", "ends_on", "household_deleted"),
    ),
    Feeds(
        "inspections",
        "SELECT p.id FROM {rows} JOIN monitoring.pairings AS p "
        "ON p.household_id = r.household_id AND p.cadre_id = r.cadre_id",
        ("household_id", "cadre_id", "visited_at"),
    ),
]


def upgrade_statements() -> list[str]:
    """The pairings table, the functions, the triggers, then a refill (the pairings arrive later, by the
    registry's events, each counted as it comes)."""
    triggers = "".join(trigger_ddl(SCHEMA, f) for f in FEEDS)
    script = TABLE_SQL + stale_ddl(SCHEMA) + DELTAS_SQL + triggers + STALE_ON_THRESHOLDS_SQL
    return sql_statements(script + CONTRIBUTIONS_INDEX_SQL) + rebuild_statements(SCHEMA)


def downgrade_statements() -> list[str]:
    triggers = "".join(drop_trigger_ddl(SCHEMA, f.table) for f in FEEDS)
    script = "DROP INDEX monitoring.ix_rollup_contributions_visits;" + DROP_STALE_ON_THRESHOLDS_SQL
    script += triggers + RESTORE_SQL + drop_stale_ddl(SCHEMA)
    return sql_statements(script) + rebuild_statements(SCHEMA)
