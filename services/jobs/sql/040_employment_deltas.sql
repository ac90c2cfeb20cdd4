-- What each person contributes to the employment figures (see services/jobs/employment/rollups.py).
--
-- A person's status in force on day D is their record with the latest reported_on on or before D, and
-- among records of that day the one that arrived last (seq), exactly as repository.in_force decides;
-- the person counts at that record's village (a record is never changed: a correction is a newer
-- record, and ended_on changes no status). So the state changes only on the days a person has records:
-- each such day's last record is the state from that day until the next such day (lead: no self-join).
--
-- Measures, at the village of the record in force: people (key: the status); for those working away
-- (the statuses of employment.codes.AWAY; a test holds them equal), away_by_category (key: the
-- household category), away_by_type (key: the household category, or for a 监测户 the monitoring type
-- its record kept: unstable, marginal, sudden_hardship) and away_by_destination (key: the province's
-- code, else the place in words), or away_no_destination (key '') when neither was recorded.
CREATE OR REPLACE FUNCTION jobs.employment_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH last_of_day AS (
    SELECT DISTINCT ON (r.person_id, r.reported_on)
           r.person_id, r.reported_on, r.area_code, r.status, r.household_category,
           CASE WHEN r.household_category = 'monitored' THEN COALESCE(r.monitoring_type, 'monitored')
                ELSE r.household_category END AS kind,
           COALESCE(rpad(left(r.place_code, 2), 12, '0'), r.place_name) AS destination
    FROM jobs.employment_records AS r WHERE r.person_id = ANY(ids)
    ORDER BY r.person_id, r.reported_on, r.seq DESC
),
states AS MATERIALIZED (
    SELECT person_id, area_code, reported_on AS day,
           lead(reported_on) OVER (PARTITION BY person_id ORDER BY reported_on) AS next_day,
           status, household_category, kind, destination,
           status IN ('away_in_county', 'away_in_province', 'away_out_of_province') AS away
    FROM last_of_day
),
figures AS (
    SELECT person_id, area_code, day, next_day, 'people' AS measure, status AS key FROM states
    UNION ALL
    SELECT person_id, area_code, day, next_day, 'away_by_category', household_category
    FROM states WHERE away
    UNION ALL
    SELECT person_id, area_code, day, next_day, 'away_by_type', kind FROM states WHERE away
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
$$;
