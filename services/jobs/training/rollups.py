"""What each enrolment contributes to the training figures (the rollups' raw-row definition).

An enrolment counts at the person's village (its ``area_code``) from the day of enrolment; it counts as
completed, dropped or placed from that step's date (never before the enrolment, as the recount asks for
both), and nothing ever stops counting. Measures (key: the course id): ``enrolled``, ``completed``,
``dropped``, ``placed``; and ``placed_at`` (key: the course id, a space, and the place of the job), so
the figures of one course and the places of its placed come from the rollups too.
"""

from __future__ import annotations

from services.common.rollups.ddl import Feeds

ENROLLED, COMPLETED, DROPPED, PLACED = "enrolled", "completed", "dropped", "placed"
PLACED_AT = "placed_at"
COURSE_KEY_LENGTH = 36  # a UUID as text: the place follows after one space

DELTAS_SQL = f"""
CREATE FUNCTION jobs.enrolment_deltas_of(ids uuid[])
RETURNS TABLE (subject_id uuid, area_code varchar, measure varchar, key varchar, day date, delta integer)
LANGUAGE sql STABLE AS $$
WITH e AS MATERIALIZED (
    SELECT en.id, en.area_code, en.course_id::text AS course, en.enrolled_on,
           -- greatest() skips nulls: only a step that was taken counts.
           CASE WHEN en.completed_on IS NOT NULL THEN greatest(en.completed_on, en.enrolled_on) END
               AS completed_on,
           CASE WHEN en.dropped_on IS NOT NULL THEN greatest(en.dropped_on, en.enrolled_on) END AS dropped_on,
           CASE WHEN en.placed_on IS NOT NULL THEN greatest(en.placed_on, en.enrolled_on) END AS placed_on,
           COALESCE(en.place, '') AS place
    FROM jobs.training_enrolments AS en WHERE en.id = ANY(ids)
)
SELECT id, area_code, '{ENROLLED}', course, enrolled_on, 1 FROM e
UNION ALL
SELECT id, area_code, '{COMPLETED}', course, completed_on, 1 FROM e WHERE completed_on IS NOT NULL
UNION ALL
SELECT id, area_code, '{DROPPED}', course, dropped_on, 1 FROM e WHERE dropped_on IS NOT NULL
UNION ALL
SELECT id, area_code, '{PLACED}', course, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
UNION ALL
SELECT id, area_code, '{PLACED_AT}', course || ' ' || place, placed_on, 1 FROM e WHERE placed_on IS NOT NULL
$$;
"""  # noqa: S608 - our own constants

DROP_DELTAS_SQL = "DROP FUNCTION jobs.enrolment_deltas_of(uuid[]);"

SUBJECTS_SQL = "SELECT id FROM jobs.training_enrolments"

FEEDS = [
    Feeds(
        "training_enrolments",
        "SELECT r.id FROM {rows}",
        ("course_id", "area_code", "enrolled_on", "completed_on", "dropped_on", "placed_on", "place"),
    ),
]
