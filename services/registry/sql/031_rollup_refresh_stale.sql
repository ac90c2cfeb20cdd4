-- Refreshes up to batch subjects marked stale rather than refreshed at once (every household and group
-- when the rollups came to count more for them: migration 0023), taking them off the list: returns how
-- many. The background compaction (services/common/rollups/compaction.py) calls it until none is left.
CREATE OR REPLACE FUNCTION registry.rollup_refresh_stale(batch integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    taken uuid[];
BEGIN
    WITH picked AS (
        SELECT subject_id FROM registry.rollup_stale ORDER BY subject_id LIMIT batch FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM registry.rollup_stale AS t USING picked WHERE t.subject_id = picked.subject_id
        RETURNING t.subject_id
    )
    SELECT array_agg(subject_id) INTO taken FROM gone;
    PERFORM registry.rollup_refresh(taken);
    RETURN coalesce(cardinality(taken), 0);
END
$$;
