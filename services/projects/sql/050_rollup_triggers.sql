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
