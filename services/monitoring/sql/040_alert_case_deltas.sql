-- The monitoring service's rollups: alerts open and overdue, and households by their cases' states,
-- per area and day (see services/monitoring/stats/rollups.py for the measures and their keys).
--
-- An alert (its id) is open (alerts_open, key: the risk code) from the China day it was first raised
-- until the day it was closed (handled_at; a live alert has no end), and overdue (alerts_overdue) from
-- the day after raised + the limit: the thresholds' alert_decision_days in force for its village and
-- the year it was raised (default 30), as stats.service decides it. The limit in force is the latest
-- version of the most specific area, whatever the day, so a new threshold version changes it for
-- every alert below that area raised in that year: the thresholds' trigger refreshes those alerts.
--
-- A household with cases (its id): its state on a day is rebuilt from each case's recorded steps (the
-- last step taken by the end of the day, in the order they were taken), from the day the case was
-- opened. case_state (key: the state), monitored_type (key: the type, in the monitored states only)
-- and cases_past_limit (undecided and past decision_due_on). A household counts once per village,
-- state, type and lateness, as the raw query (stats.repository.case_counts) counts it. Its people are
-- the registry's members on each day (registry_members_on, 035_registry_members.sql):
-- case_state_people and monitored_type_people add them up, and case_state_unsized and
-- monitored_type_unsized count the households whose registration monitoring has not heard of yet.
--
-- China's calendar day of a moment is timezone(INTERVAL '+08:00', t)::date (a fixed UTC+8). The state
-- lists are those of services/monitoring (codes.LIVE_ALERT_STATES, cases.workflow.MONITORED_STATES
-- and UNDECIDED_STATES; a test holds them equal), the default limit cases.service.DEFAULT_DECISION_DAYS.

-- The prefix of the digits that name an area (the whole country: none), for range scans of the codes
-- below it.
CREATE OR REPLACE FUNCTION monitoring.rollup_area_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN code = '000000000000' THEN '' ELSE substr(code, 1, (
        SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m WHERE ltrim(substr(code, m + 1), '0') = ''
    )) END
$$;

CREATE OR REPLACE FUNCTION monitoring.alert_deltas_of(ids uuid[])
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
          AND t.area_code IN (SELECT x.area_code FROM monitoring.rollup_ancestors(a.area_code) AS x
                              UNION ALL SELECT '000000000000')
        ORDER BY t.area_code DESC, t.version DESC LIMIT 1
    ) AS l ON true
)
SELECT id, area_code, measure, key, starts, 1 FROM spans WHERE ends IS NULL OR ends > starts
UNION ALL
SELECT id, area_code, measure, key, ends, -1 FROM spans WHERE ends > starts
$$;

CREATE OR REPLACE FUNCTION monitoring.household_case_deltas_of(ids uuid[])
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
-- The days anything of the household may change: a case opened, a step taken, a limit passed, its
-- people changed.
breakpoints AS (
    SELECT household_id, opened_on AS day FROM cases
    UNION SELECT c.household_id, s.day FROM steps AS s JOIN cases AS c ON c.id = s.case_id
    UNION SELECT household_id, decision_due_on + 1 FROM cases
    UNION SELECT m.household_id, m.day FROM monitoring.registry_member_days(ids) AS m
          WHERE m.day >= (SELECT min(c.opened_on) FROM cases AS c WHERE c.household_id = m.household_id)
),
points AS MATERIALIZED (
    SELECT household_id, day, lead(day) OVER (PARTITION BY household_id ORDER BY day) AS next_day,
           monitoring.registry_members_on(household_id, day) AS members
    FROM breakpoints
),
states AS MATERIALIZED (
    SELECT DISTINCT p.household_id, p.day, p.next_day, p.members, c.area_code, s.to_state AS state,
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
-- A household's people once per village, state and type, whatever the lateness.
people AS (
    SELECT DISTINCT household_id, area_code, day, next_day, members, 'case_state' AS measure, state AS key
    FROM states
    UNION
    SELECT DISTINCT household_id, area_code, day, next_day, members, 'monitored_type', type
    FROM states WHERE type IS NOT NULL
),
figures AS (
    SELECT household_id, area_code, day, next_day, 'case_state' AS measure, state AS key, 1 AS value
    FROM states
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'monitored_type', type, 1 FROM states WHERE type IS NOT NULL
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'cases_past_limit', '', 1 FROM states WHERE late
    UNION ALL
    SELECT household_id, area_code, day, next_day, measure || '_people', key, members
    FROM people WHERE members > 0
    UNION ALL
    SELECT household_id, area_code, day, next_day, measure || '_unsized', key, 1
    FROM people WHERE members IS NULL
)
SELECT household_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT household_id, area_code, measure, key, day, value AS delta FROM figures
    UNION ALL
    SELECT household_id, area_code, measure, key, next_day, -value FROM figures WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$;
