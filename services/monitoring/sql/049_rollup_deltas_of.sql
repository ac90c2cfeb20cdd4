-- What the rollups count: three kinds of subject share the tables, an alert, a household with cases and
-- a pairing (ids are UUIDs: an id means one of them).
CREATE OR REPLACE FUNCTION monitoring.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM monitoring.alert_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.household_case_deltas_of(ids)
    UNION ALL SELECT * FROM monitoring.pairing_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION monitoring.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM monitoring.alerts UNION SELECT household_id FROM monitoring.cases
    UNION SELECT id FROM monitoring.pairings
$$;
