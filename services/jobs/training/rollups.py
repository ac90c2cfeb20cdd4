"""What each enrolment contributes to the training figures: ``enrolment_deltas_of`` in
``services/jobs/sql/042_enrolment_deltas.sql`` (the rollups' raw-row definition).

An enrolment counts at the person's village (its ``area_code``) from the day of enrolment; it counts as
completed, dropped or placed from that step's date (never before the enrolment, as the recount asks for
both), and nothing ever stops counting. Measures (key: the course id): ``enrolled``, ``completed``,
``dropped``, ``placed``; and ``placed_at`` (key: the course id, a space, and the division code of the
job's place, empty for a placement recorded before the code was required), so the figures of one course
and the places of its placed come from the rollups too.
"""

from __future__ import annotations

ENROLLED, COMPLETED, DROPPED, PLACED = "enrolled", "completed", "dropped", "placed"
PLACED_AT = "placed_at"
COURSE_KEY_LENGTH = 36  # a UUID as text: the place follows after one space
