-- Compacting the change log: rows of transactions older than the sync horizon move to change_history
-- (the records' history reads both), so registry.record_changes, which the sync feed, the event feed
-- and the relay read window by window, stays as big as the horizon's changes. Whole transactions move
-- (a window is a range of transaction ids), and never one a subscriber of the relay still has to be
-- delivered. change_log_compaction.last_moved is the newest transaction id moved: a sync cursor that
-- has not read past it must restart.
CREATE OR REPLACE FUNCTION registry.compact_change_log(horizon timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    cut xid8;
    newest xid8;
    taken bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('registry.compact_change_log'));  -- one at a time
    -- The xid index stops at the first row inside the horizon: the scan costs what is moved. A
    -- transaction still running may commit rows below the cut later: they stay in the log, and any
    -- cursor that has not read them is below last_moved, so it restarts (a window never passes a
    -- running transaction).
    SELECT least(
        coalesce((SELECT xid FROM registry.record_changes WHERE occurred_at >= horizon
                   ORDER BY xid, id LIMIT 1), pg_current_xact_id()),
        coalesce((SELECT min(CAST(CAST(position ->> 'x' AS bigint) AS text)::xid8)
                    FROM registry.event_deliveries), pg_current_xact_id()))
      INTO cut;
    WITH gone AS (DELETE FROM registry.record_changes WHERE xid < cut RETURNING *),
    kept AS (
        INSERT INTO registry.change_history
            (id, xid, occurred_at, entity_type, entity_id, action, area_code, old_area_code, version,
             changes, actor, actor_name, reason)
        SELECT id, xid, occurred_at, entity_type, entity_id, action, area_code, old_area_code, version,
               changes, actor, actor_name, reason
          FROM gone
        RETURNING xid
    )
    SELECT count(*), max(xid) INTO taken, newest FROM kept;
    IF taken > 0 THEN
        INSERT INTO registry.change_log_compaction AS c (last_moved, moved) VALUES (newest, taken)
        ON CONFLICT (one) DO UPDATE
           SET last_moved = greatest(c.last_moved, excluded.last_moved), compacted_at = now(),
               moved = c.moved + excluded.moved;
    END IF;
    RETURN taken;
END $$;
