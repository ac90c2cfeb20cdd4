-- The rollups' statement triggers: each write to a table whose rows count hands the subjects it
-- touched to registry.rollup_refresh, in the same transaction. An update refreshes only the subjects
-- of rows changed in a column that matters, found as a set difference of the transition tables (a
-- hashed EXCEPT: a join of the two, which have no statistics, can turn into a nested loop over both).
-- PostgreSQL keeps transition tables per kind of write, hence three triggers per table.

-- households: the columns that matter: area_code, registered_on, deleted_at, and the housing type and
-- water (the village profile's). A change of place, date or deletion changes its groups' counts too.
CREATE OR REPLACE FUNCTION registry.rollup_households() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN  -- a new household is in no group yet
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(registry.with_their_groups(ARRAY(
            SELECT r.id FROM old_rows AS r
        )));
    ELSE  -- its groups only when its place, date or deletion changed: not a housing change's lock
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, housing_type, drinking_water FROM new_rows
                EXCEPT
                SELECT id, housing_type, drinking_water FROM old_rows) AS r
        ) || registry.with_their_groups(ARRAY(
            SELECT r.id FROM (
                SELECT id, area_code, registered_on, deleted_at FROM new_rows
                EXCEPT
                SELECT id, area_code, registered_on, deleted_at FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, area_code, registered_on, deleted_at FROM old_rows
                EXCEPT
                SELECT id, area_code, registered_on, deleted_at FROM new_rows) AS r
        )));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_households_insert ON registry.households;
CREATE TRIGGER rollup_households_insert AFTER INSERT ON registry.households
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_households();
DROP TRIGGER IF EXISTS rollup_households_update ON registry.households;
CREATE TRIGGER rollup_households_update AFTER UPDATE ON registry.households
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_households();
DROP TRIGGER IF EXISTS rollup_households_delete ON registry.households;
CREATE TRIGGER rollup_households_delete AFTER DELETE ON registry.households
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_households();

-- people: the columns that matter: household_id, registered_on, deceased_on, deleted_at.
CREATE OR REPLACE FUNCTION registry.rollup_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM new_rows AS r
            UNION SELECT pm.from_household_id FROM registry.person_moves AS pm
                WHERE pm.person_id IN (SELECT r.id FROM new_rows AS r)
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM old_rows AS r
            UNION SELECT pm.from_household_id FROM registry.person_moves AS pm
                WHERE pm.person_id IN (SELECT r.id FROM old_rows AS r)
        ));
    ELSE
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM (
                SELECT id, household_id, registered_on, deceased_on, deleted_at FROM new_rows
                EXCEPT
                SELECT id, household_id, registered_on, deceased_on, deleted_at FROM old_rows) AS r
            UNION SELECT pm.from_household_id FROM registry.person_moves AS pm
                WHERE pm.person_id IN (SELECT r.id FROM (
                    SELECT id, household_id, registered_on, deceased_on, deleted_at FROM new_rows
                    EXCEPT
                    SELECT id, household_id, registered_on, deceased_on, deleted_at FROM old_rows) AS r)
            UNION
            SELECT r.household_id FROM (
                SELECT id, household_id, registered_on, deceased_on, deleted_at FROM old_rows
                EXCEPT
                SELECT id, household_id, registered_on, deceased_on, deleted_at FROM new_rows) AS r
            UNION SELECT pm.from_household_id FROM registry.person_moves AS pm
                WHERE pm.person_id IN (SELECT r.id FROM (
                    SELECT id, household_id, registered_on, deceased_on, deleted_at FROM old_rows
                    EXCEPT
                    SELECT id, household_id, registered_on, deceased_on, deleted_at FROM new_rows) AS r)
        ));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_people_insert ON registry.people;
CREATE TRIGGER rollup_people_insert AFTER INSERT ON registry.people
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_people();
DROP TRIGGER IF EXISTS rollup_people_update ON registry.people;
CREATE TRIGGER rollup_people_update AFTER UPDATE ON registry.people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_people();
DROP TRIGGER IF EXISTS rollup_people_delete ON registry.people;
CREATE TRIGGER rollup_people_delete AFTER DELETE ON registry.people
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_people();

-- household_moves: the columns that matter: household_id, from_area_code, effective_on. A move changes
-- the counts of the household's groups too.
CREATE OR REPLACE FUNCTION registry.rollup_household_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry.rollup_refresh(registry.with_their_groups(ARRAY(
            SELECT r.household_id FROM new_rows AS r
        )));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(registry.with_their_groups(ARRAY(
            SELECT r.household_id FROM old_rows AS r
        )));
    ELSE
        PERFORM registry.rollup_refresh(registry.with_their_groups(ARRAY(
            SELECT r.household_id FROM (
                SELECT id, household_id, from_area_code, effective_on FROM new_rows
                EXCEPT
                SELECT id, household_id, from_area_code, effective_on FROM old_rows) AS r
            UNION
            SELECT r.household_id FROM (
                SELECT id, household_id, from_area_code, effective_on FROM old_rows
                EXCEPT
                SELECT id, household_id, from_area_code, effective_on FROM new_rows) AS r
        )));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_household_moves_insert ON registry.household_moves;
CREATE TRIGGER rollup_household_moves_insert AFTER INSERT ON registry.household_moves
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_moves();
DROP TRIGGER IF EXISTS rollup_household_moves_update ON registry.household_moves;
CREATE TRIGGER rollup_household_moves_update AFTER UPDATE ON registry.household_moves
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_moves();
DROP TRIGGER IF EXISTS rollup_household_moves_delete ON registry.household_moves;
CREATE TRIGGER rollup_household_moves_delete AFTER DELETE ON registry.household_moves
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_moves();

-- person_moves: the columns that matter: from_household_id, to_household_id, effective_on.
CREATE OR REPLACE FUNCTION registry.rollup_person_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.from_household_id FROM new_rows AS r
            UNION SELECT r.to_household_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.from_household_id FROM old_rows AS r
            UNION SELECT r.to_household_id FROM old_rows AS r
        ));
    ELSE
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.from_household_id FROM (
                SELECT id, from_household_id, to_household_id, effective_on FROM new_rows
                EXCEPT
                SELECT id, from_household_id, to_household_id, effective_on FROM old_rows) AS r
            UNION SELECT r.to_household_id FROM (
                SELECT id, from_household_id, to_household_id, effective_on FROM new_rows
                EXCEPT
                SELECT id, from_household_id, to_household_id, effective_on FROM old_rows) AS r
            UNION
            SELECT r.from_household_id FROM (
                SELECT id, from_household_id, to_household_id, effective_on FROM old_rows
                EXCEPT
                SELECT id, from_household_id, to_household_id, effective_on FROM new_rows) AS r
            UNION SELECT r.to_household_id FROM (
                SELECT id, from_household_id, to_household_id, effective_on FROM old_rows
                EXCEPT
                SELECT id, from_household_id, to_household_id, effective_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_person_moves_insert ON registry.person_moves;
CREATE TRIGGER rollup_person_moves_insert AFTER INSERT ON registry.person_moves
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_person_moves();
DROP TRIGGER IF EXISTS rollup_person_moves_update ON registry.person_moves;
CREATE TRIGGER rollup_person_moves_update AFTER UPDATE ON registry.person_moves
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_person_moves();
DROP TRIGGER IF EXISTS rollup_person_moves_delete ON registry.person_moves;
CREATE TRIGGER rollup_person_moves_delete AFTER DELETE ON registry.person_moves
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_person_moves();

-- programme_memberships: the columns that matter: household_id, person_id, programme, starts_on,
-- ends_on.
CREATE OR REPLACE FUNCTION registry.rollup_programme_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM old_rows AS r
        ));
    ELSE
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.household_id FROM (
                SELECT id, household_id, person_id, programme, starts_on, ends_on FROM new_rows
                EXCEPT
                SELECT id, household_id, person_id, programme, starts_on, ends_on FROM old_rows) AS r
            UNION
            SELECT r.household_id FROM (
                SELECT id, household_id, person_id, programme, starts_on, ends_on FROM old_rows
                EXCEPT
                SELECT id, household_id, person_id, programme, starts_on, ends_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_programme_memberships_insert ON registry.programme_memberships;
CREATE TRIGGER rollup_programme_memberships_insert AFTER INSERT ON registry.programme_memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_programme_memberships();
DROP TRIGGER IF EXISTS rollup_programme_memberships_update ON registry.programme_memberships;
CREATE TRIGGER rollup_programme_memberships_update AFTER UPDATE ON registry.programme_memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_programme_memberships();
DROP TRIGGER IF EXISTS rollup_programme_memberships_delete ON registry.programme_memberships;
CREATE TRIGGER rollup_programme_memberships_delete AFTER DELETE ON registry.programme_memberships
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_programme_memberships();

-- household_groups: the columns that matter: household_id, group_id, starts_on, ends_on (its
-- area_code follows a merge of villages; the count follows where the household was).
CREATE OR REPLACE FUNCTION registry.rollup_household_groups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.group_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.group_id FROM old_rows AS r
        ));
    ELSE
        PERFORM registry.rollup_refresh(ARRAY(
            SELECT r.group_id FROM (
                SELECT id, household_id, group_id, starts_on, ends_on FROM new_rows
                EXCEPT
                SELECT id, household_id, group_id, starts_on, ends_on FROM old_rows) AS r
            UNION
            SELECT r.group_id FROM (
                SELECT id, household_id, group_id, starts_on, ends_on FROM old_rows
                EXCEPT
                SELECT id, household_id, group_id, starts_on, ends_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_household_groups_insert ON registry.household_groups;
CREATE TRIGGER rollup_household_groups_insert AFTER INSERT ON registry.household_groups
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_groups();
DROP TRIGGER IF EXISTS rollup_household_groups_update ON registry.household_groups;
CREATE TRIGGER rollup_household_groups_update AFTER UPDATE ON registry.household_groups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_groups();
DROP TRIGGER IF EXISTS rollup_household_groups_delete ON registry.household_groups;
CREATE TRIGGER rollup_household_groups_delete AFTER DELETE ON registry.household_groups
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry.rollup_household_groups();
