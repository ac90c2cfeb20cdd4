-- The rollups' statement triggers: each write to a table whose rows count hands the subjects it
-- touched to jobs.rollup_refresh, in the same transaction. An update refreshes only the subjects
-- of rows changed in a column that matters, found as a set difference of the transition tables (a
-- hashed EXCEPT: a join of the two, which have no statistics, can turn into a nested loop over both).
-- Each table's handler is called by the triggers rollup_watch makes (one per kind of write).

-- employment_records: the columns that matter: person_id, area_code, household_category, status,
-- place_code, place_name, reported_on, seq.
CREATE OR REPLACE FUNCTION jobs.rollup_employment_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.person_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.person_id FROM old_rows AS r
        ));
    ELSE
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.person_id FROM (
                SELECT id, person_id, area_code, household_category, status,
                       place_code, place_name, reported_on, seq FROM new_rows
                EXCEPT
                SELECT id, person_id, area_code, household_category, status,
                       place_code, place_name, reported_on, seq FROM old_rows) AS r
            UNION
            SELECT r.person_id FROM (
                SELECT id, person_id, area_code, household_category, status,
                       place_code, place_name, reported_on, seq FROM old_rows
                EXCEPT
                SELECT id, person_id, area_code, household_category, status,
                       place_code, place_name, reported_on, seq FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT jobs.rollup_watch('jobs.employment_records', 'insert', 'update', 'delete');

-- welfare_posts: the columns that matter: area_code, funding_source, post_type, capacity,
-- starts_on, ends_on.
CREATE OR REPLACE FUNCTION jobs.rollup_welfare_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM old_rows AS r
        ));
    ELSE
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, area_code, funding_source, post_type, capacity, starts_on,
                       ends_on FROM new_rows
                EXCEPT
                SELECT id, area_code, funding_source, post_type, capacity, starts_on,
                       ends_on FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, area_code, funding_source, post_type, capacity, starts_on,
                       ends_on FROM old_rows
                EXCEPT
                SELECT id, area_code, funding_source, post_type, capacity, starts_on,
                       ends_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT jobs.rollup_watch('jobs.welfare_posts', 'insert', 'update', 'delete');

-- post_assignments: the columns that matter: post_id, starts_on, ends_on.
CREATE OR REPLACE FUNCTION jobs.rollup_post_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.post_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.post_id FROM old_rows AS r
        ));
    ELSE
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.post_id FROM (
                SELECT id, post_id, starts_on, ends_on FROM new_rows
                EXCEPT
                SELECT id, post_id, starts_on, ends_on FROM old_rows) AS r
            UNION
            SELECT r.post_id FROM (
                SELECT id, post_id, starts_on, ends_on FROM old_rows
                EXCEPT
                SELECT id, post_id, starts_on, ends_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT jobs.rollup_watch('jobs.post_assignments', 'insert', 'update', 'delete');

-- training_enrolments: the columns that matter: course_id, area_code, enrolled_on, completed_on,
-- dropped_on, placed_on, place.
CREATE OR REPLACE FUNCTION jobs.rollup_training_enrolments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM old_rows AS r
        ));
    ELSE
        PERFORM jobs.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, course_id, area_code, enrolled_on, completed_on,
                       dropped_on, placed_on, place FROM new_rows
                EXCEPT
                SELECT id, course_id, area_code, enrolled_on, completed_on,
                       dropped_on, placed_on, place FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, course_id, area_code, enrolled_on, completed_on,
                       dropped_on, placed_on, place FROM old_rows
                EXCEPT
                SELECT id, course_id, area_code, enrolled_on, completed_on,
                       dropped_on, placed_on, place FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT jobs.rollup_watch('jobs.training_enrolments', 'insert', 'update', 'delete');
