-- What the rollups count: two kinds of subject, a project (with its funds and their movements) and an
-- asset (with its checks, income and distributions); their ids are both UUIDs, so never the same.
CREATE OR REPLACE FUNCTION projects.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM projects.project_deltas_of(ids)
    UNION ALL
    SELECT * FROM projects.asset_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION projects.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM projects.projects
    UNION ALL
    SELECT id FROM projects.assets
$$;
