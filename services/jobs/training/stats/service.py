"""Training figures of an area on a date (篇5: 37人报名参加培训, 16人赴武汉等地就业): enrolled,
completed, dropped, placed and the placement rate, for the people of the area, by course, by place of
the job and for each area one level down. Read from the rollups (``training.rollups``), never by
counting the area's enrolments; ``training.recount`` counts the same from the raw rows, as the
reference the tests hold them to."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.rollups.store import Figures
from services.jobs.shared.figures import area_figures, children_figures, keyed
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.rollups import COMPLETED, COURSE_KEY_LENGTH, DROPPED, ENROLLED, PLACED, PLACED_AT
from services.jobs.training.stats.schemas import (
    ChildTrainingCounts,
    CourseCounts,
    PlaceCount,
    TrainingStats,
)

STEPS = (ENROLLED, COMPLETED, DROPPED, PLACED)
Courses = list[tuple[uuid.UUID, str, str]]  # (id, title, skill) in the order they are listed


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class TrainingTally:
    """Counts of one area on one date: [enrolled, completed, dropped, placed] by course and by child
    area, and the placed by place."""

    courses: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    places: Counter[str] = field(default_factory=Counter)
    children: dict[str, list[int]] = field(default_factory=dict)


def _by_course(figures: Figures, course_id: uuid.UUID | None) -> dict[uuid.UUID, list[int]]:
    courses: dict[uuid.UUID, list[int]] = {}
    for i, step in enumerate(STEPS):
        for key, n in keyed(figures, step).items():
            course = uuid.UUID(key)
            if course_id is None or course == course_id:
                courses.setdefault(course, [0, 0, 0, 0])[i] += n
    return {course: counts for course, counts in courses.items() if counts[0]}


def _tally(figures: Figures, children: dict[str, Figures], course_id: uuid.UUID | None) -> TrainingTally:
    tally = TrainingTally(courses=_by_course(figures, course_id))
    for key, n in keyed(figures, PLACED_AT).items():
        if course_id is None or key[:COURSE_KEY_LENGTH] == str(course_id):
            tally.places[key[COURSE_KEY_LENGTH + 1 :]] += n
    for code, f in children.items():
        counts = [sum(c) for c in zip(*_by_course(f, course_id).values(), strict=True)]
        if counts:
            tally.children[code] = counts
    return tally


async def training_stats(
    session: AsyncSession, area: str, day: date, course_id: uuid.UUID | None
) -> TrainingStats:
    """The figures on ``day`` from the rollups (the area is the caller's to see)."""
    figures = await area_figures(session, area, day)
    children = await children_figures(session, area, day, figures, village_itself=True)
    tally = _tally(figures, children, course_id)
    repository = TrainingRepository(session)
    courses = await repository.courses_in_order(list(tally.courses))
    names = await repository.place_names([code for code in tally.places if code])
    return compose(area, day, tally, courses, names)


def compose(
    area: str, day: date, tally: TrainingTally, courses: Courses, names: dict[str, str]
) -> TrainingStats:
    """The answer from a tally and its courses in order (however they were counted)."""
    enrolled, completed, dropped, placed = (sum(c[i] for c in tally.courses.values()) for i in range(4))
    return TrainingStats(
        area_code=area,
        as_of=day,
        enrolled=enrolled,
        # Completed and dropped people are out of training; the placed completed first.
        in_training=enrolled - completed - dropped,
        completed=completed,
        dropped=dropped,
        placed=placed,
        placement_rate=rate(placed, enrolled),
        placement_rate_of_completed=rate(placed, completed),
        by_place=[
            PlaceCount(place_code=code or None, name=names.get(code), placed=n)
            for code, n in sorted(tally.places.items(), key=lambda item: (-item[1], item[0]))
            if n
        ],
        by_course=[
            CourseCounts(course_id=c, title=t, skill=s, enrolled=n[0], completed=n[1], placed=n[3])
            for c, t, s in courses
            if (n := tally.courses[c])
        ],
        children=[
            ChildTrainingCounts(
                area_code=code, enrolled=e, in_training=e - done - out, completed=done, dropped=out, placed=p
            )
            for code, (e, done, out, p) in sorted(tally.children.items())
        ],  # fmt: skip
    )
