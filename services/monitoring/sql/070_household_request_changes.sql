-- A household request's change position: every update moves the row to the writing transaction (xid)
-- and a fresh change_seq, so a feed reading (xid, change_seq) past its last position, below the oldest
-- running transaction, sees each change once (services/common/events/window.py reads logs the same way).
CREATE OR REPLACE FUNCTION monitoring.household_requests_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.xid := pg_current_xact_id();
    NEW.change_seq := nextval('monitoring.household_request_changes');
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS household_requests_changed ON monitoring.household_requests;
CREATE TRIGGER household_requests_changed BEFORE UPDATE ON monitoring.household_requests
    FOR EACH ROW EXECUTE FUNCTION monitoring.household_requests_changed();
