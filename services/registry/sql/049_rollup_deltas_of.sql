-- What the rollups count: two kinds of subject share the tables, a household (040_rollup_deltas.sql)
-- and a group (045_group_deltas.sql); a subject's contributions are whatever its id means in each (ids
-- are UUIDs, so in practice one).
CREATE OR REPLACE FUNCTION registry.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
    SELECT * FROM registry.household_deltas_of(ids)
    UNION ALL SELECT * FROM registry.group_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION registry.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM registry.households WHERE deleted_at IS NULL
    UNION SELECT id FROM registry.village_groups
$$;
