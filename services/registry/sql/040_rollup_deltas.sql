-- What each household contributes to the registry's counts (with each group's, 045_group_deltas.sql:
-- the rollups' raw-row definition, put together in 049_rollup_deltas_of.sql).
--
-- A household's counts change only on certain days: its registration, its moves between villages, the
-- registrations, deaths and moves of anyone who was ever a member, and the starts and ends of its
-- programme periods. On each such day we evaluate its state the same way the "as of" recount does
-- (stats/repository.py, AS_OF_SQL), and the difference from the day before is its delta that day.
--
-- Measures: households and people (key ''), programme_households and programme_people (key: the
-- programme code). Categories 脱贫户/监测户 are programme periods too, so they are included. For the
-- village profile (村情, villages/repository.py FIGURES_SQL): poor_households and poor_people (贫困户:
-- a 脱贫户 or 监测户 period, either, counted once), housing (key: the housing type, '' not recorded)
-- and water_unsafe. The housing type and water are as recorded now, on every day (the registry keeps
-- no dated history of them): a change to them refreshes the household's whole history.
--
-- Each base table is reached through = ANY(ids), not through a join with hs: the planner takes an
-- array parameter for a handful of rows, and in the middle of a bulk import its row counts are far
-- behind too; a join was planned as a nested loop over a sequential scan of every person (quadratic:
-- 8 s for 1,400 households at 50,000 people). Rows of deleted households drop out at points.

CREATE OR REPLACE FUNCTION registry.household_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH hs AS MATERIALIZED (
    SELECT h.id, h.area_code, h.registered_on, h.housing_type, h.drinking_water
    FROM registry.households AS h WHERE h.id = ANY(ids) AND h.deleted_at IS NULL
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
                      ORDER BY m.effective_on, m.id LIMIT 1), hs.area_code) AS area_code,
           hs.housing_type, hs.drinking_water
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
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'housing', COALESCE(housing_type, ''), 1 FROM points
    UNION ALL
    SELECT household_id, area_code, day, next_day, 'water_unsafe', '', 1 FROM points
    WHERE drinking_water = 'unsafe'
    UNION ALL
    SELECT pt.household_id, pt.area_code, pt.day, pt.next_day, 'poor_households', '', 1
    FROM points AS pt WHERE EXISTS (
        SELECT 1 FROM registry.programme_memberships AS g
        WHERE g.household_id = pt.household_id AND g.programme IN ('escaped', 'monitored')
          AND g.starts_on <= pt.day AND (g.ends_on IS NULL OR g.ends_on >= pt.day))
    UNION ALL
    SELECT m.household_id, m.area_code, m.day, m.next_day, 'poor_people', '', count(DISTINCT m.person_id)
    FROM members AS m JOIN registry.programme_memberships AS g ON g.household_id = m.household_id
     AND g.programme IN ('escaped', 'monitored')
     AND g.starts_on <= m.day AND (g.ends_on IS NULL OR g.ends_on >= m.day)
     AND (g.person_id IS NULL OR g.person_id = m.person_id)
    GROUP BY 1, 2, 3, 4
)
SELECT household_id, area_code, measure, key, day, sum(delta)::integer
FROM (
    SELECT household_id, area_code, measure, key, day, value AS delta FROM states
    UNION ALL
    SELECT household_id, area_code, measure, key, next_day, -value FROM states WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
$$;
