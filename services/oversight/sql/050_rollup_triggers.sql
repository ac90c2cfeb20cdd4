-- The rollups' statement triggers: a check-in hands its member to oversight.rollup_refresh, in the same
-- transaction; a member's village or duty changing refreshes the member. Check-ins are never updated.

CREATE OR REPLACE FUNCTION oversight.rollup_check_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM oversight.rollup_refresh(ARRAY(SELECT DISTINCT r.member_id FROM new_rows AS r));
    ELSE
        PERFORM oversight.rollup_refresh(ARRAY(SELECT DISTINCT r.member_id FROM old_rows AS r));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_check_ins_insert ON oversight.check_ins;
CREATE TRIGGER rollup_check_ins_insert AFTER INSERT ON oversight.check_ins
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.rollup_check_ins();
DROP TRIGGER IF EXISTS rollup_check_ins_delete ON oversight.check_ins;
CREATE TRIGGER rollup_check_ins_delete AFTER DELETE ON oversight.check_ins
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.rollup_check_ins();

CREATE OR REPLACE FUNCTION oversight.rollup_team_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oversight.rollup_refresh(ARRAY(
        SELECT r.id FROM (SELECT id, village_code, duty FROM new_rows
                          EXCEPT SELECT id, village_code, duty FROM old_rows) AS r));
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_team_members_update ON oversight.team_members;
CREATE TRIGGER rollup_team_members_update AFTER UPDATE ON oversight.team_members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.rollup_team_members();

-- A rectification item counts from its creation; a step that closes it (or a change of its area,
-- source, dates) refreshes it. Items are never deleted.
CREATE OR REPLACE FUNCTION oversight.rollup_rectifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM oversight.rollup_refresh(ARRAY(SELECT r.id FROM new_rows AS r));
    ELSE
        PERFORM oversight.rollup_refresh(ARRAY(
            SELECT r.id FROM (SELECT id, area_code, source, received_on, deadline, closed_on FROM new_rows
                              EXCEPT
                              SELECT id, area_code, source, received_on, deadline, closed_on FROM old_rows)
                AS r));
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_rectifications_insert ON oversight.rectifications;
CREATE TRIGGER rollup_rectifications_insert AFTER INSERT ON oversight.rectifications
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.rollup_rectifications();
DROP TRIGGER IF EXISTS rollup_rectifications_update ON oversight.rectifications;
CREATE TRIGGER rollup_rectifications_update AFTER UPDATE ON oversight.rectifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION oversight.rollup_rectifications();
