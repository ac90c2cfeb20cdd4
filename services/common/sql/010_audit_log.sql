-- The audit log (services/common/audit), the same in every part's schema.

-- Append-only: no update, delete or truncate, whoever asks (the serving role has no such rights either;
-- this stops the owner too).
CREATE OR REPLACE FUNCTION @schema@.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS audit_log_no_update_delete ON @schema@.audit_log;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON @schema@.audit_log
    FOR EACH ROW EXECUTE FUNCTION @schema@.audit_log_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON @schema@.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON @schema@.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.audit_log_append_only();

-- Appends records to the chain in one round trip, each linked to the one before: its hash covers the
-- previous record's hash and its own content (audit/chain.link_hash, which verification recomputes).
-- ``contents`` are the records as the hash covers them (audit/chain.canonical_record: a JSON array of the
-- hashed columns in their order); the columns are read back out of them, so what is stored is what was
-- hashed.
CREATE OR REPLACE FUNCTION @schema@.audit_log_append(contents text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    content text;
    prev text;
    prev_hashes text[] := '{}';
    hashes text[] := '{}';
BEGIN
    -- One writer at a time per chain, until the caller's transaction ends.
    PERFORM pg_advisory_xact_lock(hashtext('audit:@schema@'));
    -- After the lock, in a snapshot of its own (read committed): the last record committed before.
    SELECT hash INTO prev FROM @schema@.audit_log ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOREACH content IN ARRAY contents LOOP
        prev_hashes := prev_hashes || prev;
        prev := encode(sha256(convert_to(prev || content, 'UTF8')), 'hex');
        hashes := hashes || prev;
    END LOOP;
    -- Each content parsed once (materialized: inlined, every column would parse it again).
    WITH records AS MATERIALIZED (
        SELECT t.n, t.prev_hash, t.hash, t.content::jsonb AS r
        FROM unnest(contents, prev_hashes, hashes) WITH ORDINALITY AS t (content, prev_hash, hash, n)
    )
    INSERT INTO @schema@.audit_log (
        occurred_at, request_id, actor_id, actor_name, actor_kind, actor_role, actor_scope, address,
        client, action, resource_type, resource_id, area_code, changes, outcome, status, prev_hash, hash
    )
    SELECT (r ->> 0)::timestamptz, r ->> 1, r ->> 2, r ->> 3, r ->> 4, r ->> 5, r ->> 6, r ->> 7,
           r ->> 8, r ->> 9, r ->> 10, r ->> 11, r ->> 12, r ->> 13, r ->> 14, (r ->> 15)::integer,
           prev_hash, hash
    FROM records
    ORDER BY n;
END $$;
