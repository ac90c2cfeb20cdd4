-- The phones' monitoring feed (services/monitoring/phone_feed): every insert or update of a feed source's
-- rows is noted in monitoring.phone_changes, in the same transaction, with the row's area now and the
-- area it left. The feed reads that log window by window (by transaction id, like the registry's sync).
--
-- A source is a table with `id uuid` and `area_code`: listed here as 'table:source' (':down' when a row
-- of an area holds the phones below it, e.g. a county's screening round) and in phone_feed.sources.
CREATE OR REPLACE FUNCTION monitoring.phone_feed_prefix(code varchar) RETURNS varchar
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN right(code, 10) = '0000000000' THEN left(code, 2)
                WHEN right(code, 8) = '00000000' THEN left(code, 4)
                WHEN right(code, 6) = '000000' THEN left(code, 6)
                WHEN right(code, 3) = '000' THEN left(code, 9) ELSE code END
$$;

CREATE OR REPLACE FUNCTION monitoring.phone_feed_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO monitoring.phone_changes (source, record_id, area_code, area_prefix)
        SELECT TG_ARGV[0], n.id, n.area_code,
               CASE WHEN TG_ARGV[1] = 'down' THEN monitoring.phone_feed_prefix(n.area_code) END
        FROM new_rows AS n ORDER BY n.id;
    ELSE
        INSERT INTO monitoring.phone_changes (source, record_id, area_code, old_area_code, area_prefix)
        SELECT TG_ARGV[0], n.id, n.area_code, NULLIF(o.area_code, n.area_code),
               CASE WHEN TG_ARGV[1] = 'down' THEN monitoring.phone_feed_prefix(n.area_code) END
        FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE to_jsonb(n) IS DISTINCT FROM to_jsonb(o) ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    entry text;
    parts text[];
BEGIN
    FOREACH entry IN ARRAY ARRAY[
        'measures:plans',
        'screening_rounds:rounds:down',
        'screening_round_households:round_households',
        'household_requests:requests',
        'school_children:children'
    ] LOOP
        parts := string_to_array(entry, ':');
        EXECUTE format(
            'CREATE TRIGGER phone_feed_insert AFTER INSERT ON monitoring.%I REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION monitoring.phone_feed_note(%L, %L)',
            parts[1], parts[2], COALESCE(parts[3], ''));
        EXECUTE format(
            'CREATE TRIGGER phone_feed_update AFTER UPDATE ON monitoring.%I '
            'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION monitoring.phone_feed_note(%L, %L)',
            parts[1], parts[2], COALESCE(parts[3], ''));
    END LOOP;
END $$;
