-- What each public-welfare post contributes to the post figures (see services/jobs/posts/rollups.py).
--
-- A post counts, at its own area, on the days it is in force (starts_on to ends_on, inclusive): one
-- post and capacity places. An assignment fills one place on the days it is held while the post is in
-- force (the overlap of the two periods), as repository.recount_filled_by_kind counts them. Each
-- figure is kept twice, by funding source and by type: posts_by_source / posts_by_type, places_by_…
-- and filled_by_… (key: the source or the type code). A period stops the day after its inclusive
-- end; none after 9999-12-31 (no date one can ask about is later, and the day after it could not be
-- read back into a Python date).
CREATE OR REPLACE FUNCTION jobs.post_deltas_of(ids uuid[])
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
$$;
