"""Courses and enrolments on the one batch intake (services/jobs/shared/intake): enrolments in a batch
of up to 1,000 or one at a time, a course one at a time; each retried exactly by its request's digest.

An enrolment needs its course (one the caller sees) and its person (asked of the registry, after the
retries are answered); then every course of the batch is locked in id order, so two sign-ups never share
a course's last place and concurrent batches never deadlock, and each item runs the single request's
checks in a savepoint of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_within
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError
from services.common.intake import Entry, Refuse, summary
from services.common.scope import area_to_create_in
from services.jobs.shared.checks import check_dates, invalid
from services.jobs.shared.intake import JobsIntake
from services.jobs.shared.people import Lookup, PersonFacts
from services.jobs.training.models import Enrolment, TrainingCourse
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.schemas import (
    CourseCreate,
    CourseItemResult,
    EnrolmentBatchResult,
    EnrolmentItem,
    EnrolmentItemResult,
)
from services.jobs.training.service import COURSE_FIELDS, course_not_found
from services.jobs.training.workflow import EnrolmentState


@dataclass(eq=False)
class _Course(Entry):
    item: CourseCreate
    key: uuid.UUID


class CourseIntake(JobsIntake[_Course, CourseItemResult]):
    model = CourseCreate
    result_model = CourseItemResult
    entry_type = _Course
    invalid_detail = "Item {index} is not a valid course"
    what = "Course"

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.repository = TrainingRepository(session)

    def check(self, item: CourseCreate, loc: list[str | int]) -> None:
        area_to_create_in(item.area_code, self.principal, at=loc)
        check_dates(item.starts_on, item.ends_on, loc)

    async def digests(self, keys: list[uuid.UUID]) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        return await self.repository.course_digests(keys)

    def legacy_same(self, entry: _Course, row: TrainingCourse) -> bool:
        return all(getattr(row, f) == getattr(entry.item, f) for f in COURSE_FIELDS)

    async def insert(self, entries: list[_Course]) -> set[uuid.UUID]:
        rows = [
            e.item.model_dump(exclude={"id"})
            | {"id": e.key, "request_sha256": e.digest, "created_by": self.principal.id, "version": 1}
            for e in entries
        ]
        return await self.repository.insert_courses(rows)

    async def created(self, entries: list[_Course]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            trail.record("training_course.create", "training_course", str(e.key), area_code=e.item.area_code)


@dataclass(eq=False)
class _Enrolment(Entry):
    item: EnrolmentItem
    key: uuid.UUID
    person: PersonFacts | None = None


class EnrolmentIntake(JobsIntake[_Enrolment, EnrolmentItemResult]):
    model = EnrolmentItem
    result_model = EnrolmentItemResult
    entry_type = _Enrolment
    invalid_detail = "Item {index} is not a valid enrolment"
    what = "Enrolment"

    def __init__(self, session: AsyncSession, lookup: Lookup) -> None:
        super().__init__(session)
        self.repository = TrainingRepository(session)
        self.lookup = lookup

    async def take(self, raws: Sequence[Any], principal: Principal) -> EnrolmentBatchResult:
        items = await self.answer_items(raws, principal)
        return EnrolmentBatchResult(**summary(items), items=items)

    async def digests(self, keys: list[uuid.UUID]) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        return await self.repository.enrolment_digests(keys)

    def legacy_same(self, entry: _Enrolment, row: Enrolment) -> bool:
        item = entry.item
        return (row.course_id, row.person_id, row.enrolled_on) == (
            item.course_id,
            item.person_id,
            item.enrolled_on,
        )

    async def admit(self, entries: list[_Enrolment], refuse: Refuse) -> None:
        """The courses (as the caller sees them), then the people (asked of the registry once)."""
        courses = await self.repository.visible_courses([e.item.course_id for e in entries], self.principal)
        known = []
        for e in entries:
            if e.item.course_id in courses:
                known.append(e)
            else:
                refuse(e, course_not_found(e.item.course_id))
        if (people := await self.people(self.lookup, known, refuse)) is None:
            return
        for e in known:
            facts, person_id = people.get(e.item.person_id), e.item.person_id
            course = courses[e.item.course_id]
            if facts is None:
                refuse(
                    e, invalid("person_id", f"No person {person_id} in your area", "person_not_found", e.loc)
                )
            elif not facts.alive:
                refuse(e, invalid("person_id", f"Person {person_id} has died", "person_deceased", e.loc))
            elif not is_within(facts.area_code, course.area_code):  # a course is for the people of its area
                why = f"Person {person_id} lives outside the course's area"
                refuse(e, invalid("person_id", why, "person_outside_area", e.loc))
            else:
                e.person = facts

    async def insert(self, entries: list[_Enrolment]) -> set[uuid.UUID]:
        courses = await self.repository.visible_courses(
            [e.item.course_id for e in entries], self.principal, lock=True
        )
        # A copy of an item that a concurrent request stored while we waited: answered by its digest.
        raced = {key for key, *_ in await self.digests([e.key for e in entries])}
        inserted: set[uuid.UUID] = set()
        for e in (e for e in entries if e.key not in raced):
            try:
                async with self.session.begin_nested():  # a savepoint: a refused item rolls back alone
                    if await self._enrol(e, courses.get(e.item.course_id)):
                        inserted.add(e.key)
            except FangpinError as exc:
                self.refuse(e, exc)
        return inserted

    async def _enrol(self, e: _Enrolment, course: TrainingCourse | None) -> bool:
        item, person = e.item, e.person
        assert person is not None
        if course is None:
            raise course_not_found(item.course_id)
        if course.ends_on is not None and item.enrolled_on > course.ends_on:
            raise invalid("enrolled_on", f"The course ended on {course.ends_on}", "after_course_ends", e.loc)
        if (held := await self.repository.enrolment_of(course.id, item.person_id)) is not None:
            raise Conflict(
                f"The person is already on this course (since {held.enrolled_on}, {held.state})",
                code="already_enrolled",
                enrolment_id=str(held.id),
            )
        taken = (await self.repository.places_taken([course.id])).get(course.id, 0)
        if course.capacity is not None and taken >= course.capacity:
            raise Conflict(
                f"Course {course.title} is full: it has {course.capacity} places and {taken} are taken",
                code="course_full",
                capacity=course.capacity,
                enrolled=taken,
            )
        row = {
            "id": e.key,
            "course_id": course.id,
            "person_id": person.person_id,
            "household_id": person.household_id,
            "area_code": person.area_code,
            "enrolled_on": item.enrolled_on,
            "state": EnrolmentState.enrolled.value,
            "request_sha256": e.digest,
            "created_by": self.principal.id,
            "version": 1,
        }
        return await self.repository.insert_enrolment(row)

    async def created(self, entries: list[_Enrolment]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            assert e.person is not None
            trail.record(
                "training_enrolment.create",
                "training_enrolment",
                str(e.key),
                area_code=e.person.area_code,
                changes={"course_id": str(e.item.course_id), "person_id": str(e.item.person_id)},
            )
