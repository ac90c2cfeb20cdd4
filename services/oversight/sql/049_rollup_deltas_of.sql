-- What the rollups count: two kinds of subject, a team member and a rectification item.
--
-- A member: each day the member checked in counts once (two check-ins on a day are one day in the
-- village), in the member's village, keyed by duty.
--
-- A rectification item (整改事项), in its area, keyed by its source:
--   tasks_opened          +1 on the day it was received;
--   tasks_closed          +1 on the day it was closed (销号);
--   tasks_closed_on_time  +1 on that day when it is on or before the deadline;
--   tasks_overdue         +1 on the first day it is overdue — the day after the deadline, or the day
--                         it was received if later — and -1 on the day it was closed, if closed later:
--                         summed up to a date, the items overdue on that date (tasks.repository's
--                         overdue_on: received by then, past the deadline, not closed by then).
CREATE OR REPLACE FUNCTION oversight.task_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
    WITH items AS (
        SELECT r.id, r.area_code, r.source, r.received_on, r.deadline, r.closed_on,
               greatest(r.received_on, r.deadline + 1) AS overdue_from
        FROM oversight.rectifications AS r WHERE r.id = ANY(ids)
    )
    SELECT id, area_code, 'tasks_opened'::varchar, source, received_on, 1::bigint FROM items
    UNION ALL
    SELECT id, area_code, 'tasks_closed', source, closed_on, 1 FROM items WHERE closed_on IS NOT NULL
    UNION ALL
    SELECT id, area_code, 'tasks_closed_on_time', source, closed_on, 1
    FROM items WHERE closed_on IS NOT NULL AND closed_on <= deadline
    UNION ALL
    SELECT id, area_code, 'tasks_overdue', source, overdue_from, 1
    FROM items WHERE closed_on IS NULL OR closed_on > overdue_from
    UNION ALL
    SELECT id, area_code, 'tasks_overdue', source, closed_on, -1
    FROM items WHERE closed_on > overdue_from
$$;

CREATE OR REPLACE FUNCTION oversight.rollup_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.id, m.village_code, 'days_present'::varchar, m.duty, c.day, 1::bigint
    FROM oversight.team_members AS m
    JOIN (SELECT DISTINCT member_id, day FROM oversight.check_ins WHERE member_id = ANY(ids)) AS c
        ON c.member_id = m.id
    WHERE m.id = ANY(ids)
    UNION ALL
    SELECT * FROM oversight.task_deltas_of(ids)
$$;

CREATE OR REPLACE FUNCTION oversight.rollup_all_subjects() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM oversight.team_members UNION ALL SELECT id FROM oversight.rectifications
$$;
