-- What the rollups count: three kinds of subject share the tables, a person (their employment
-- records), a post (with its assignments) and an enrolment; a subject's contributions are whatever its
-- id means in each (ids are UUIDs, so in practice one).
CREATE OR REPLACE FUNCTION jobs.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM jobs.employment_deltas_of(ids)
    UNION ALL SELECT * FROM jobs.post_deltas_of(ids)
    UNION ALL SELECT * FROM jobs.enrolment_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION jobs.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT person_id FROM jobs.employment_records
    UNION SELECT id FROM jobs.welfare_posts
    UNION SELECT id FROM jobs.training_enrolments
$$;
