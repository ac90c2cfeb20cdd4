-- The rollups' statement triggers: each write to a table whose rows count hands the projects it
-- touched to projects.rollup_refresh, in the same transaction. An update refreshes only the projects of
-- rows changed in a column that matters (a set difference of the transition tables), so a payment,
-- which also updates its fund line's running totals, refreshes its project once per statement.
-- PostgreSQL keeps transition tables per kind of write, hence three triggers per table.


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
DROP TRIGGER IF EXISTS rollup_projects_insert ON projects.projects;
CREATE TRIGGER rollup_projects_insert AFTER INSERT ON projects.projects
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_projects();
DROP TRIGGER IF EXISTS rollup_projects_update ON projects.projects;
CREATE TRIGGER rollup_projects_update AFTER UPDATE ON projects.projects
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_projects();
DROP TRIGGER IF EXISTS rollup_projects_delete ON projects.projects;
CREATE TRIGGER rollup_projects_delete AFTER DELETE ON projects.projects
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_projects();

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
DROP TRIGGER IF EXISTS rollup_project_funds_insert ON projects.project_funds;
CREATE TRIGGER rollup_project_funds_insert AFTER INSERT ON projects.project_funds
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_project_funds();
DROP TRIGGER IF EXISTS rollup_project_funds_update ON projects.project_funds;
CREATE TRIGGER rollup_project_funds_update AFTER UPDATE ON projects.project_funds
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_project_funds();
DROP TRIGGER IF EXISTS rollup_project_funds_delete ON projects.project_funds;
CREATE TRIGGER rollup_project_funds_delete AFTER DELETE ON projects.project_funds
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_project_funds();

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
DROP TRIGGER IF EXISTS rollup_fund_movements_insert ON projects.fund_movements;
CREATE TRIGGER rollup_fund_movements_insert AFTER INSERT ON projects.fund_movements
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_fund_movements();
DROP TRIGGER IF EXISTS rollup_fund_movements_update ON projects.fund_movements;
CREATE TRIGGER rollup_fund_movements_update AFTER UPDATE ON projects.fund_movements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_fund_movements();
DROP TRIGGER IF EXISTS rollup_fund_movements_delete ON projects.fund_movements;
CREATE TRIGGER rollup_fund_movements_delete AFTER DELETE ON projects.fund_movements
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_fund_movements();

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
DROP TRIGGER IF EXISTS rollup_assets_insert ON projects.assets;
CREATE TRIGGER rollup_assets_insert AFTER INSERT ON projects.assets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_assets();
DROP TRIGGER IF EXISTS rollup_assets_update ON projects.assets;
CREATE TRIGGER rollup_assets_update AFTER UPDATE ON projects.assets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_assets();
DROP TRIGGER IF EXISTS rollup_assets_delete ON projects.assets;
CREATE TRIGGER rollup_assets_delete AFTER DELETE ON projects.assets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_assets();

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
DROP TRIGGER IF EXISTS rollup_asset_checks_insert ON projects.asset_checks;
CREATE TRIGGER rollup_asset_checks_insert AFTER INSERT ON projects.asset_checks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_checks();
DROP TRIGGER IF EXISTS rollup_asset_checks_update ON projects.asset_checks;
CREATE TRIGGER rollup_asset_checks_update AFTER UPDATE ON projects.asset_checks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_checks();
DROP TRIGGER IF EXISTS rollup_asset_checks_delete ON projects.asset_checks;
CREATE TRIGGER rollup_asset_checks_delete AFTER DELETE ON projects.asset_checks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_checks();

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
DROP TRIGGER IF EXISTS rollup_asset_incomes_insert ON projects.asset_incomes;
CREATE TRIGGER rollup_asset_incomes_insert AFTER INSERT ON projects.asset_incomes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_incomes();
DROP TRIGGER IF EXISTS rollup_asset_incomes_update ON projects.asset_incomes;
CREATE TRIGGER rollup_asset_incomes_update AFTER UPDATE ON projects.asset_incomes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_incomes();
DROP TRIGGER IF EXISTS rollup_asset_incomes_delete ON projects.asset_incomes;
CREATE TRIGGER rollup_asset_incomes_delete AFTER DELETE ON projects.asset_incomes
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_incomes();

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
DROP TRIGGER IF EXISTS rollup_asset_notices_insert ON projects.asset_notices;
CREATE TRIGGER rollup_asset_notices_insert AFTER INSERT ON projects.asset_notices
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_notices();
DROP TRIGGER IF EXISTS rollup_asset_notices_update ON projects.asset_notices;
CREATE TRIGGER rollup_asset_notices_update AFTER UPDATE ON projects.asset_notices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_notices();
DROP TRIGGER IF EXISTS rollup_asset_notices_delete ON projects.asset_notices;
CREATE TRIGGER rollup_asset_notices_delete AFTER DELETE ON projects.asset_notices
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects.rollup_asset_notices();
