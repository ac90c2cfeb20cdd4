-- The rollups' statement triggers: each write to a table whose rows count hands the subjects it
-- touched to registry.rollup_refresh, in the same transaction. An update refreshes only the subjects
-- of rows changed in a column that matters, found as a set difference of the transition tables (a
-- hashed EXCEPT: a join of the two, which have no statistics, can turn into a nested loop over both).
-- Each table's handler is called by the triggers rollup_watch makes (one per kind of write).

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
SELECT registry.rollup_watch('registry.households', 'insert', 'update', 'delete');

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
SELECT registry.rollup_watch('registry.people', 'insert', 'update', 'delete');

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
SELECT registry.rollup_watch('registry.household_moves', 'insert', 'update', 'delete');

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
SELECT registry.rollup_watch('registry.person_moves', 'insert', 'update', 'delete');

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
SELECT registry.rollup_watch('registry.programme_memberships', 'insert', 'update', 'delete');

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
SELECT registry.rollup_watch('registry.household_groups', 'insert', 'update', 'delete');
