-- Refreshes up to batch subjects that a write marked stale rather than refreshing them itself (a
-- change that touches every subject of a county), taking them off the list: returns how many. The
-- background compaction (services/common/rollups/compaction.py) calls it until none is left.
CREATE OR REPLACE FUNCTION monitoring.rollup_refresh_stale(batch integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    taken uuid[];
BEGIN
    WITH picked AS (
        SELECT subject_id FROM monitoring.rollup_stale ORDER BY subject_id LIMIT batch FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM monitoring.rollup_stale AS t USING picked WHERE t.subject_id = picked.subject_id
        RETURNING t.subject_id
    )
    SELECT array_agg(subject_id) INTO taken FROM gone;
    PERFORM monitoring.rollup_refresh(taken);
    RETURN coalesce(cardinality(taken), 0);
END
$$;
