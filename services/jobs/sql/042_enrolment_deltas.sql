-- What each enrolment contributes to the training figures (see services/jobs/training/rollups.py).
--
-- An enrolment counts at the person's village (its area_code) from the day of enrolment; it counts as
-- completed, dropped or placed from that step's date (never before the enrolment, as the recount asks
-- for both), and nothing ever stops counting. Measures (key: the course id): enrolled, completed,
-- dropped, placed; and placed_at (key: the course id, a space, and the division code of the job's
-- place, empty for a placement recorded before the code was required), so the
-- figures of one course and the places of its placed come from the rollups too.
CREATE OR REPLACE FUNCTION jobs.enrolment_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH e AS MATERIALIZED (
    SELECT en.id, en.area_code, en.course_id::text AS course, en.enrolled_on,
           -- greatest() skips nulls: only a step that was taken counts.
           CASE WHEN en.completed_on IS NOT NULL THEN greatest(en.completed_on, en.enrolled_on) END
               AS completed_on,
           CASE WHEN en.dropped_on IS NOT NULL THEN greatest(en.dropped_on, en.enrolled_on) END AS dropped_on,
           CASE WHEN en.placed_on IS NOT NULL THEN greatest(en.placed_on, en.enrolled_on) END AS placed_on,
           COALESCE(en.place_code, '') AS place
    FROM jobs.training_enrolments AS en WHERE en.id = ANY(ids)
)
SELECT id, area_code, 'enrolled', course, enrolled_on, 1 FROM e
UNION ALL
SELECT id, area_code, 'completed', course, completed_on, 1 FROM e WHERE completed_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'dropped', course, dropped_on, 1 FROM e WHERE dropped_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'placed', course, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
UNION ALL
SELECT id, area_code, 'placed_at', course || ' ' || place, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
$$;
