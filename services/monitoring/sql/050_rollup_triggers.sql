-- The rollups' statement triggers: each write to a table whose rows count hands the subjects it
-- touched to monitoring.rollup_refresh, in the same transaction. An update refreshes only the subjects
-- of rows changed in a column that matters, found as a set difference of the transition tables (a
-- hashed EXCEPT: a join of the two, which have no statistics, can turn into a nested loop over both).
-- Each table's handler is called by the triggers rollup_watch makes (one per kind of write).

-- alerts: the columns that matter: area_code, risk_code, state, first_raised_at, handled_at.
CREATE OR REPLACE FUNCTION monitoring.rollup_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM old_rows AS r
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, area_code, risk_code, state, first_raised_at, handled_at FROM new_rows
                EXCEPT
                SELECT id, area_code, risk_code, state, first_raised_at, handled_at FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, area_code, risk_code, state, first_raised_at, handled_at FROM old_rows
                EXCEPT
                SELECT id, area_code, risk_code, state, first_raised_at, handled_at FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.alerts', 'insert', 'update', 'delete');

-- cases: the columns that matter: household_id, area_code, monitoring_type, decision_due_on,
-- opened_at.
CREATE OR REPLACE FUNCTION monitoring.rollup_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.household_id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.household_id FROM old_rows AS r
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.household_id FROM (
                SELECT id, household_id, area_code, monitoring_type, decision_due_on,
                       opened_at FROM new_rows
                EXCEPT
                SELECT id, household_id, area_code, monitoring_type, decision_due_on,
                       opened_at FROM old_rows) AS r
            UNION
            SELECT r.household_id FROM (
                SELECT id, household_id, area_code, monitoring_type, decision_due_on,
                       opened_at FROM old_rows
                EXCEPT
                SELECT id, household_id, area_code, monitoring_type, decision_due_on,
                       opened_at FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.cases', 'insert', 'update', 'delete');

-- case_events: the columns that matter: case_id, to_state, at.
CREATE OR REPLACE FUNCTION monitoring.rollup_case_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT c.household_id FROM new_rows AS r
                JOIN monitoring.cases AS c ON c.id = r.case_id
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT c.household_id FROM old_rows AS r
                JOIN monitoring.cases AS c ON c.id = r.case_id
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT c.household_id FROM (
                SELECT id, case_id, to_state, at FROM new_rows
                EXCEPT
                SELECT id, case_id, to_state, at FROM old_rows) AS r
                JOIN monitoring.cases AS c ON c.id = r.case_id
            UNION
            SELECT c.household_id FROM (
                SELECT id, case_id, to_state, at FROM old_rows
                EXCEPT
                SELECT id, case_id, to_state, at FROM new_rows) AS r
                JOIN monitoring.cases AS c ON c.id = r.case_id
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.case_events', 'insert', 'update', 'delete');

-- A threshold version refreshes the alerts below its area, raised in its year. Codes are digits, so
-- the range from the prefix to the prefix followed by ':' (after '9') is the codes that start with it,
-- which the alerts' text_pattern_ops index answers even for a prefix that comes from a row (LIKE would
-- not).
-- thresholds: the columns that matter: area_code, year, version, alert_decision_days.
CREATE OR REPLACE FUNCTION monitoring.rollup_thresholds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT a.id FROM new_rows AS r
                JOIN monitoring.alerts AS a ON a.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
                    AND a.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
                    AND extract(year FROM timezone(INTERVAL '+08:00', a.first_raised_at)) = r.year
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT a.id FROM old_rows AS r
                JOIN monitoring.alerts AS a ON a.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
                    AND a.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
                    AND extract(year FROM timezone(INTERVAL '+08:00', a.first_raised_at)) = r.year
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT a.id FROM (
                SELECT id, area_code, year, version, alert_decision_days FROM new_rows
                EXCEPT
                SELECT id, area_code, year, version, alert_decision_days FROM old_rows) AS r
                JOIN monitoring.alerts AS a ON a.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
                    AND a.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
                    AND extract(year FROM timezone(INTERVAL '+08:00', a.first_raised_at)) = r.year
            UNION
            SELECT a.id FROM (
                SELECT id, area_code, year, version, alert_decision_days FROM old_rows
                EXCEPT
                SELECT id, area_code, year, version, alert_decision_days FROM new_rows) AS r
                JOIN monitoring.alerts AS a ON a.area_code ~>=~ monitoring.rollup_area_prefix(r.area_code)
                    AND a.area_code ~<~ (monitoring.rollup_area_prefix(r.area_code) || ':')
                    AND extract(year FROM timezone(INTERVAL '+08:00', a.first_raised_at)) = r.year
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.thresholds', 'insert', 'update', 'delete');

-- pairings: the columns that matter: cadre_id, household_id, area_code, starts_on, ends_on,
-- household_deleted.
CREATE OR REPLACE FUNCTION monitoring.rollup_pairings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM new_rows AS r
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM old_rows AS r
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT r.id FROM (
                SELECT id, cadre_id, household_id, area_code, starts_on, ends_on,
                       household_deleted FROM new_rows
                EXCEPT
                SELECT id, cadre_id, household_id, area_code, starts_on, ends_on,
                       household_deleted FROM old_rows) AS r
            UNION
            SELECT r.id FROM (
                SELECT id, cadre_id, household_id, area_code, starts_on, ends_on,
                       household_deleted FROM old_rows
                EXCEPT
                SELECT id, cadre_id, household_id, area_code, starts_on, ends_on,
                       household_deleted FROM new_rows) AS r
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.pairings', 'insert', 'update', 'delete');

-- inspections: the columns that matter: household_id, cadre_id, visited_at.
CREATE OR REPLACE FUNCTION monitoring.rollup_inspections() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT p.id FROM new_rows AS r
                JOIN monitoring.pairings AS p ON p.household_id = r.household_id
                    AND p.cadre_id = r.cadre_id
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT p.id FROM old_rows AS r
                JOIN monitoring.pairings AS p ON p.household_id = r.household_id
                    AND p.cadre_id = r.cadre_id
        ));
    ELSE
        PERFORM monitoring.rollup_refresh(ARRAY(
            SELECT p.id FROM (
                SELECT id, household_id, cadre_id, visited_at FROM new_rows
                EXCEPT
                SELECT id, household_id, cadre_id, visited_at FROM old_rows) AS r
                JOIN monitoring.pairings AS p ON p.household_id = r.household_id
                    AND p.cadre_id = r.cadre_id
            UNION
            SELECT p.id FROM (
                SELECT id, household_id, cadre_id, visited_at FROM old_rows
                EXCEPT
                SELECT id, household_id, cadre_id, visited_at FROM new_rows) AS r
                JOIN monitoring.pairings AS p ON p.household_id = r.household_id
                    AND p.cadre_id = r.cadre_id
        ));
    END IF;
    RETURN NULL;
END
$$;
SELECT monitoring.rollup_watch('monitoring.inspections', 'insert', 'update', 'delete');
