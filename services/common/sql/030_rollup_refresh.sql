-- The rollups' machinery (see services/common/rollups): written once for every service's schema. A service
-- defines what each subject contributes, rollup_deltas_of(ids) and rollup_all_subjects(), in the files
-- after this one; statement triggers hand the subjects a write touched to rollup_refresh.

-- The area itself and every area above it, each with its parent (a code counts at its own level and up).
CREATE OR REPLACE FUNCTION @schema@.rollup_ancestors(code text)
RETURNS TABLE (area_code text, parent_code text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT rpad(substr(code, 1, l.n), 12, '0'),
           CASE WHEN l.p = 0 THEN NULL ELSE rpad(substr(code, 1, l.p), 12, '0') END
    FROM (VALUES (2, 0), (4, 2), (6, 4), (9, 6), (12, 9)) AS l (n, p)
    WHERE l.n <= (SELECT min(m) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS m
                  WHERE ltrim(substr(code, m + 1), '0') = '')
$$;

-- Swaps the subjects' stored contributions for fresh ones and appends the difference to the totals of
-- their area and every area above it (append-only: writers in one county never queue on a shared row).
CREATE OR REPLACE FUNCTION @schema@.rollup_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- A bulk writer (the import) may note the subjects and refresh each once, before it commits
    -- (rollup_flush), rather than once per statement that touches them.
    IF current_setting('fangpin.rollups_deferred', true) = 'on' THEN
        INSERT INTO pg_temp.@schema@_rollup_pending SELECT unnest(ids);
        RETURN;
    END IF;
    -- One refresh of a subject at a time: a second waits here, then (read committed: a fresh snapshot
    -- per statement) sees the first's contributions and replaces them rather than adding to them.
    INSERT INTO @schema@.rollup_subjects SELECT DISTINCT unnest(ids) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM @schema@.rollup_subjects WHERE subject_id = ANY(ids) ORDER BY subject_id FOR UPDATE;
    WITH old AS (
        DELETE FROM @schema@.rollup_contributions WHERE subject_id = ANY(ids)
        RETURNING area_code, measure, key, day, -delta AS delta
    ), new AS (
        INSERT INTO @schema@.rollup_contributions SELECT * FROM @schema@.rollup_deltas_of(ids)
        RETURNING area_code, measure, key, day, delta
    ), diff AS (
        SELECT area_code, measure, key, day, sum(delta) AS delta
        FROM (SELECT * FROM old UNION ALL SELECT * FROM new) AS c
        GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0
    )
    INSERT INTO @schema@.rollup_totals (area_code, parent_code, measure, key, day, delta)
    SELECT a.area_code, a.parent_code, d.measure, d.key, d.day, d.delta
    FROM diff AS d CROSS JOIN LATERAL @schema@.rollup_ancestors(d.area_code) AS a;
END
$$;

-- A bulk writer that deferred the refreshes (rollups.ddl.defer_statements) refreshes each noted subject
-- once, before it commits.
CREATE OR REPLACE FUNCTION @schema@.rollup_flush() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    pending uuid[];
BEGIN
    PERFORM set_config('fangpin.rollups_deferred', 'off', true);
    pending := ARRAY(SELECT DISTINCT subject_id FROM pg_temp.@schema@_rollup_pending);
    DELETE FROM pg_temp.@schema@_rollup_pending;
    PERFORM @schema@.rollup_refresh(pending);
    RETURN cardinality(pending);
END
$$;

-- A table's statement triggers, one for each kind of write named ('insert', 'update', 'delete'; a
-- trigger of its own each, as PostgreSQL keeps transition tables per kind of write), handing the
-- written rows to the table's own @schema@.rollup_<table>(), which finds the subjects they touch. A
-- service's trigger file calls it once per table.
CREATE OR REPLACE FUNCTION @schema@.rollup_watch(target regclass, VARIADIC writes text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := 'rollup_' || (SELECT relname FROM pg_class WHERE oid = target);
    write text;
    transition text;
BEGIN
    FOREACH write IN ARRAY writes LOOP
        transition := CASE write
            WHEN 'insert' THEN 'NEW TABLE AS new_rows'
            WHEN 'update' THEN 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
            WHEN 'delete' THEN 'OLD TABLE AS old_rows'
        END;
        IF transition IS NULL THEN
            RAISE EXCEPTION 'rollup_watch(%): % is not insert, update or delete', target, write;
        END IF;
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || '_' || write, target);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION @schema@.%I()',
            name || '_' || write, upper(write), target, transition, name
        );
    END LOOP;
END
$$;
