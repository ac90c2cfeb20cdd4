-- A child's every change takes the next change position, whichever path wrote it (the ledger's edits,
-- the registry's events, the population feed): the phones' sync feed reads the area's children after
-- a position (services/monitoring/schools).
CREATE OR REPLACE FUNCTION monitoring.school_children_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('monitoring.school_children_change_seq');
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS school_children_changed ON monitoring.school_children;
CREATE TRIGGER school_children_changed BEFORE UPDATE ON monitoring.school_children
    FOR EACH ROW EXECUTE FUNCTION monitoring.school_children_changed();
