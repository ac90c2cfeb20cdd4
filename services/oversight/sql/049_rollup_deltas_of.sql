-- What the rollups count: one kind of subject, a team member. Each day a member checked in counts once
-- (two check-ins on a day are one day in the village), in the member's village, keyed by duty.
CREATE OR REPLACE FUNCTION oversight.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.id, m.village_code, 'days_present'::varchar, m.duty, c.day, 1::bigint
    FROM oversight.team_members AS m
    JOIN (SELECT DISTINCT member_id, day FROM oversight.check_ins WHERE member_id = ANY(ids)) AS c
        ON c.member_id = m.id
    WHERE m.id = ANY(ids)
$$;

CREATE OR REPLACE FUNCTION oversight.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM oversight.team_members
$$;
