-- What each group (村民小组) contributes to the registry's counts: measure groups (key ''), one in each
-- village where it has a household on the day, as the village profile's recount counts them
-- (villages/repository.py FIGURES_SQL: the groups of the households in the village that day).
--
-- A group is a subject of its own, not a part of its households' contributions: a village's count is
-- of distinct groups, which no sum over households gives. It changes only on the days a household's
-- period in the group starts or ends (the day after its last), and on its households' registrations and
-- moves between villages; the village is where the household was that day (as in household_deltas_of).
-- Deleted households never count.

CREATE OR REPLACE FUNCTION registry.group_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH periods AS MATERIALIZED (
    SELECT g.group_id, g.household_id, g.starts_on, g.ends_on, h.registered_on, h.area_code
    FROM registry.household_groups AS g
    JOIN registry.households AS h ON h.id = g.household_id AND h.deleted_at IS NULL
    WHERE g.group_id = ANY(ids)
),
breakpoints AS (
    SELECT group_id, starts_on AS day FROM periods
    UNION SELECT group_id, ends_on + 1 FROM periods WHERE ends_on < '9999-12-31' -- the last date: no end
    UNION SELECT group_id, registered_on FROM periods
    UNION SELECT p.group_id, m.effective_on FROM periods AS p
          JOIN registry.household_moves AS m ON m.household_id = p.household_id
),
points AS (
    SELECT group_id, day, lead(day) OVER (PARTITION BY group_id ORDER BY day) AS next_day FROM breakpoints
),
-- The villages each group has a household in from each point to the next.
states AS (
    SELECT DISTINCT pt.group_id, pt.day, pt.next_day,
           COALESCE((SELECT m.from_area_code FROM registry.household_moves AS m
                      WHERE m.household_id = p.household_id AND m.effective_on > pt.day
                      ORDER BY m.effective_on, m.id LIMIT 1), p.area_code) AS area_code
    FROM points AS pt JOIN periods AS p ON p.group_id = pt.group_id
    WHERE p.registered_on <= pt.day AND p.starts_on <= pt.day AND (p.ends_on IS NULL OR p.ends_on >= pt.day)
)
SELECT group_id, area_code, 'groups', '', day, sum(delta)::integer
FROM (
    SELECT group_id, area_code, day, 1 AS delta FROM states
    UNION ALL
    SELECT group_id, area_code, next_day, -1 FROM states WHERE next_day IS NOT NULL
) AS d
GROUP BY 1, 2, 5 HAVING sum(delta) <> 0
$$;

-- The groups a write to households (or their moves) may change the counts of: each of theirs, ever.
CREATE OR REPLACE FUNCTION registry.with_their_groups(ids uuid[]) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT ids || ARRAY(
        SELECT DISTINCT g.group_id FROM registry.household_groups AS g WHERE g.household_id = ANY(ids)
    )
$$;
