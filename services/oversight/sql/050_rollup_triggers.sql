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
SELECT oversight.rollup_watch('oversight.check_ins', 'insert', 'delete');

CREATE OR REPLACE FUNCTION oversight.rollup_team_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oversight.rollup_refresh(ARRAY(
        SELECT r.id FROM (SELECT id, village_code, duty FROM new_rows
                          EXCEPT SELECT id, village_code, duty FROM old_rows) AS r));
    RETURN NULL;
END
$$;
SELECT oversight.rollup_watch('oversight.team_members', 'update');

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
SELECT oversight.rollup_watch('oversight.rectifications', 'insert', 'update');
