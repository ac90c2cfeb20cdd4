-- The rollups' statement triggers: each write to a table whose rows count hands the subjects it
-- touched to jobs.rollup_refresh, in the same transaction. An update refreshes only the subjects
-- of rows changed in a column that matters, found as a set difference of the transition tables (a
-- hashed EXCEPT: a join of the two, which have no statistics, can turn into a nested loop over both).
-- PostgreSQL keeps transition tables per kind of write, hence three triggers per table.

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
DROP TRIGGER IF EXISTS rollup_employment_records_insert ON jobs.employment_records;
CREATE TRIGGER rollup_employment_records_insert AFTER INSERT ON jobs.employment_records
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_employment_records();
DROP TRIGGER IF EXISTS rollup_employment_records_update ON jobs.employment_records;
CREATE TRIGGER rollup_employment_records_update AFTER UPDATE ON jobs.employment_records
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_employment_records();
DROP TRIGGER IF EXISTS rollup_employment_records_delete ON jobs.employment_records;
CREATE TRIGGER rollup_employment_records_delete AFTER DELETE ON jobs.employment_records
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_employment_records();

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
DROP TRIGGER IF EXISTS rollup_welfare_posts_insert ON jobs.welfare_posts;
CREATE TRIGGER rollup_welfare_posts_insert AFTER INSERT ON jobs.welfare_posts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_welfare_posts();
DROP TRIGGER IF EXISTS rollup_welfare_posts_update ON jobs.welfare_posts;
CREATE TRIGGER rollup_welfare_posts_update AFTER UPDATE ON jobs.welfare_posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_welfare_posts();
DROP TRIGGER IF EXISTS rollup_welfare_posts_delete ON jobs.welfare_posts;
CREATE TRIGGER rollup_welfare_posts_delete AFTER DELETE ON jobs.welfare_posts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_welfare_posts();

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
DROP TRIGGER IF EXISTS rollup_post_assignments_insert ON jobs.post_assignments;
CREATE TRIGGER rollup_post_assignments_insert AFTER INSERT ON jobs.post_assignments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_post_assignments();
DROP TRIGGER IF EXISTS rollup_post_assignments_update ON jobs.post_assignments;
CREATE TRIGGER rollup_post_assignments_update AFTER UPDATE ON jobs.post_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_post_assignments();
DROP TRIGGER IF EXISTS rollup_post_assignments_delete ON jobs.post_assignments;
CREATE TRIGGER rollup_post_assignments_delete AFTER DELETE ON jobs.post_assignments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_post_assignments();

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
DROP TRIGGER IF EXISTS rollup_training_enrolments_insert ON jobs.training_enrolments;
CREATE TRIGGER rollup_training_enrolments_insert AFTER INSERT ON jobs.training_enrolments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_training_enrolments();
DROP TRIGGER IF EXISTS rollup_training_enrolments_update ON jobs.training_enrolments;
CREATE TRIGGER rollup_training_enrolments_update AFTER UPDATE ON jobs.training_enrolments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_training_enrolments();
DROP TRIGGER IF EXISTS rollup_training_enrolments_delete ON jobs.training_enrolments;
CREATE TRIGGER rollup_training_enrolments_delete AFTER DELETE ON jobs.training_enrolments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.rollup_training_enrolments();
