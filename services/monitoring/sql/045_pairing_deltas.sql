-- Visit compliance (走访): each cadre pairing's state on every day, per village (the pairings come
-- from the registry's events into monitoring.pairings; see services/monitoring/visits/rollups.py).
--
-- On a day D on which it is in force (starts_on ≤ D ≤ ends_on, its household not deleted) a pairing is
-- visits_visited (the paired cadre's last visit up to D was at most the interval before D),
-- visits_not_yet_due (no visit yet, but paired at most the interval before D) or visits_overdue
-- (neither), with the area its household's village now and the interval the thresholds'
-- visit_interval_days in force for that village and D's year (default 90), exactly as the compliance
-- list judges it (visits.repository) and as visits.service.check_pairings, the reference recount,
-- does. The totals have no key; the counts by cadre are the pairings' own contributions.
--
-- Time alone turns a pairing overdue, so its deltas are scheduled ahead: the day after each due day.
-- Its timeline is cut at its start, each later visit and each 1 January up to the first year no area
-- has set thresholds for (from then on the default holds for good); on each piece the last visit (or
-- the start) and the interval are fixed, so the piece is on time up to the due day and overdue after.
CREATE OR REPLACE FUNCTION monitoring.pairing_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH pairings AS MATERIALIZED (
    SELECT p.id, p.cadre_id, p.household_id, p.area_code, p.starts_on, p.ends_on + 1 AS stops_on
    FROM monitoring.pairings AS p WHERE p.id = ANY(ids) AND NOT p.household_deleted
),
visits AS MATERIALIZED (  -- the paired cadre's visits of the household, by China day, before it too
    SELECT DISTINCT p.id, timezone(INTERVAL '+08:00', i.visited_at)::date AS day
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
    SELECT a.area_code, a.year, COALESCE((
        SELECT t.visit_interval_days FROM monitoring.thresholds AS t
        WHERE t.year = a.year
          AND t.area_code IN (SELECT x.area_code FROM monitoring.rollup_ancestors(a.area_code) AS x
                              UNION ALL SELECT '000000000000')
        ORDER BY t.area_code DESC, t.version DESC LIMIT 1), 90) AS days
    FROM (SELECT DISTINCT area_code, year FROM pieces) AS a
),
judged AS (
    SELECT pc.id, pc.starts, pc.ends, pc.last_visit IS NOT NULL AS visited,
           COALESCE(pc.last_visit, pc.starts_on) + i.days + 1 AS late_from
    FROM pieces AS pc JOIN intervals AS i ON i.area_code = pc.area_code AND i.year = pc.year
),
spans AS (
    SELECT id, CASE WHEN visited THEN 'visits_visited' ELSE 'visits_not_yet_due' END AS measure,
           starts, LEAST(ends, late_from) AS ends
    FROM judged WHERE starts < late_from
    UNION ALL
    SELECT id, 'visits_overdue', GREATEST(starts, late_from), ends
    FROM judged WHERE ends IS NULL OR GREATEST(starts, late_from) < ends
)
SELECT s.id, p.area_code, s.measure, ''::varchar, d.day, sum(d.delta)::integer
FROM spans AS s JOIN pairings AS p ON p.id = s.id
CROSS JOIN LATERAL (VALUES (s.starts, 1), (s.ends, -1)) AS d (day, delta)
WHERE d.day IS NOT NULL
GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.delta) <> 0
$$;
