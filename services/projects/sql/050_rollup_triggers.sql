-- The rollups' statement triggers: each write to a table whose rows count hands the projects it
-- touched to projects.rollup_refresh, in the same transaction. An update refreshes only the projects of
-- rows changed in a column that matters (a set difference of the transition tables), so a payment,
-- which also updates its fund line's running totals, refreshes its project once per statement.
-- Each table's handler is called by the triggers rollup_watch makes (one per kind of write).


-- projects: the columns that matter: id, area_code, sector, grassroots, livelihood, entered_on, approved_on, started_on, completed_on, accepted_on, handed_over_on, cancelled_on.
CREATE OR REPLACE FUNCTION projects.rollup_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, area_code, sector, grassroots, livelihood, entered_on, approved_on, started_on, completed_on, accepted_on, handed_over_on, cancelled_on FROM new_rows
                EXCEPT
                SELECT id, area_code, sector, grassroots, livelihood, entered_on, approved_on, started_on, completed_on, accepted_on, handed_over_on, cancelled_on FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, area_code, sector, grassroots, livelihood, entered_on, approved_on, started_on, completed_on, accepted_on, handed_over_on, cancelled_on FROM old_rows
                EXCEPT
                SELECT id, area_code, sector, grassroots, livelihood, entered_on, approved_on, started_on, completed_on, accepted_on, handed_over_on, cancelled_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.projects', 'insert', 'update', 'delete');

-- project_funds: the columns that matter: project_id, source, budget_fen.
CREATE OR REPLACE FUNCTION projects.rollup_project_funds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.project_id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.project_id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.project_id FROM (
                SELECT project_id, source, budget_fen FROM new_rows
                EXCEPT
                SELECT project_id, source, budget_fen FROM old_rows) AS r
            UNION
            SELECT r.project_id FROM (
                SELECT project_id, source, budget_fen FROM old_rows
                EXCEPT
                SELECT project_id, source, budget_fen FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.project_funds', 'insert', 'update', 'delete');

-- fund_movements: the columns that matter: id, project_id, source, kind, amount_fen, moved_on.
CREATE OR REPLACE FUNCTION projects.rollup_fund_movements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.project_id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.project_id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.project_id FROM (
                SELECT id, project_id, source, kind, amount_fen, moved_on FROM new_rows
                EXCEPT
                SELECT id, project_id, source, kind, amount_fen, moved_on FROM old_rows) AS r
            UNION
            SELECT r.project_id FROM (
                SELECT id, project_id, source, kind, amount_fen, moved_on FROM old_rows
                EXCEPT
                SELECT id, project_id, source, kind, amount_fen, moved_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.fund_movements', 'insert', 'update', 'delete');

-- assets: the columns that matter: id, area_code, kind, owner_type, value_fen, formed_on, disposed_on.
CREATE OR REPLACE FUNCTION projects.rollup_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, area_code, kind, owner_type, value_fen, formed_on, disposed_on FROM new_rows
                EXCEPT
                SELECT id, area_code, kind, owner_type, value_fen, formed_on, disposed_on FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, area_code, kind, owner_type, value_fen, formed_on, disposed_on FROM old_rows
                EXCEPT
                SELECT id, area_code, kind, owner_type, value_fen, formed_on, disposed_on FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.assets', 'insert', 'update', 'delete');

-- asset_checks: the columns that matter: asset_id, year, checked_on, result.
CREATE OR REPLACE FUNCTION projects.rollup_asset_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.asset_id FROM (
                SELECT asset_id, year, checked_on, result FROM new_rows
                EXCEPT
                SELECT asset_id, year, checked_on, result FROM old_rows) AS r
            UNION
            SELECT r.asset_id FROM (
                SELECT asset_id, year, checked_on, result FROM old_rows
                EXCEPT
                SELECT asset_id, year, checked_on, result FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.asset_checks', 'insert', 'update', 'delete');

-- asset_incomes: the columns that matter: asset_id, year, income_fen.
CREATE OR REPLACE FUNCTION projects.rollup_asset_incomes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.asset_id FROM (
                SELECT asset_id, year, income_fen FROM new_rows
                EXCEPT
                SELECT asset_id, year, income_fen FROM old_rows) AS r
            UNION
            SELECT r.asset_id FROM (
                SELECT asset_id, year, income_fen FROM old_rows
                EXCEPT
                SELECT asset_id, year, income_fen FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.asset_incomes', 'insert', 'update', 'delete');

-- asset_notices: the columns that matter: id, asset_id, subject, state, concluded_on, to_households_fen, to_posts_fen, to_village_fen, to_other_fen.
CREATE OR REPLACE FUNCTION projects.rollup_asset_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM new_rows AS r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM projects.rollup_refresh(ARRAY(SELECT r.asset_id FROM old_rows AS r));
    ELSE
        PERFORM projects.rollup_refresh(ARRAY(
            SELECT r.asset_id FROM (
                SELECT id, asset_id, subject, state, concluded_on, to_households_fen, to_posts_fen, to_village_fen, to_other_fen FROM new_rows
                EXCEPT
                SELECT id, asset_id, subject, state, concluded_on, to_households_fen, to_posts_fen, to_village_fen, to_other_fen FROM old_rows) AS r
            UNION
            SELECT r.asset_id FROM (
                SELECT id, asset_id, subject, state, concluded_on, to_households_fen, to_posts_fen, to_village_fen, to_other_fen FROM old_rows
                EXCEPT
                SELECT id, asset_id, subject, state, concluded_on, to_households_fen, to_posts_fen, to_village_fen, to_other_fen FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT projects.rollup_watch('projects.asset_notices', 'insert', 'update', 'delete');
