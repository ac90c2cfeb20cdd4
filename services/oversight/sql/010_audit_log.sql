-- The audit log is append-only: no update, delete or truncate, whoever asks (the serving role has no
-- such rights either; this stops the owner too). The same in every service's schema.

CREATE OR REPLACE FUNCTION oversight.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS audit_log_no_update_delete ON oversight.audit_log;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON oversight.audit_log
    FOR EACH ROW EXECUTE FUNCTION oversight.audit_log_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON oversight.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON oversight.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.audit_log_append_only();
