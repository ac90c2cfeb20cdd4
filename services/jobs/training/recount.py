"""The training figures counted from the raw rows (each enrolment by the dates of its steps): the
reference the rollups must equal. Tests compare the two on many dates; requests never count this way."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.jobs.shared.figures import child_digits
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.stats.schemas import TrainingStats
from services.jobs.training.stats.service import TrainingTally, compose


async def recounted_training_stats(
    session: AsyncSession, scope_prefix: str, area: str, day: date, course_id: uuid.UUID | None
) -> TrainingStats:
    """What ``stats.training_stats`` answers, counted from the raw rows of the area."""
    repository = TrainingRepository(session)
    prefix = prefix_of(area)
    rows = await repository.recount_counts_by_course(prefix, scope_prefix, day, course_id)
    places = await repository.recount_placed_by_place(prefix, scope_prefix, day, course_id)
    children = await repository.recount_by_child(prefix, scope_prefix, day, course_id, child_digits(area))
    tally = TrainingTally(
        courses={c: [e, done, out, p] for c, _, _, e, done, out, p in rows},
        places=Counter({place or "": n for place, n in places}),
        children={code.ljust(12, "0"): list(counts) for code, *counts in children},
    )
    names = await repository.place_names([code for code in tally.places if code])
    return compose(area, day, tally, [(c, t, s) for c, t, s, *_ in rows], names)
