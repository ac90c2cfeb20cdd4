"""Training rules: courses set up within the caller's area, people enrolled once per course and within
its places, and each enrolment's steps (complete, drop, place) in order, on plausible dates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import NATIONAL_ROOT, is_valid_scope, is_within
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.ids import new_id
from services.common.retries import earlier_request
from services.jobs.shared.checks import check_dates, invalid
from services.jobs.shared.people import Lookup
from services.jobs.training.models import Enrolment, TrainingCourse
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.schemas import (
    CourseCreate,
    CourseRead,
    CourseUpdate,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentStep,
)
from services.jobs.training.workflow import EnrolmentAction, EnrolmentState, allowed_actions, next_state

COURSE_FIELDS = ("area_code", "title", "provider", "skill", "starts_on", "ends_on", "capacity", "note")


def course_not_found(course_id: uuid.UUID) -> NotFound:
    return NotFound(f"No training course {course_id}", code="course_not_found")


def enrolment_not_found(enrolment_id: uuid.UUID) -> NotFound:
    return NotFound(f"No training enrolment {enrolment_id}", code="enrolment_not_found")


async def read_courses(session: AsyncSession, courses: Sequence[TrainingCourse]) -> list[CourseRead]:
    taken = await TrainingRepository(session).places_taken([c.id for c in courses])
    return [CourseRead.model_validate(c).model_copy(update={"enrolled": taken.get(c.id, 0)}) for c in courses]


def read_enrolment(enrolment: Enrolment, principal: Principal) -> EnrolmentRead:
    may = principal.can(Permission.employment_write) and principal.covers(enrolment.area_code)
    actions = allowed_actions(enrolment.state) if may else []
    return EnrolmentRead.model_validate(enrolment).model_copy(update={"actions": actions})


class CourseService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = TrainingRepository(session)

    async def create(self, data: CourseCreate, principal: Principal) -> tuple[TrainingCourse, bool]:
        earlier = await earlier_request(
            data.id,
            lambda course_id: self.repository.course(course_id, principal, manage=True),
            lambda course: all(getattr(course, f) == getattr(data, f) for f in COURSE_FIELDS),
            principal,
            "Course",
            taken=self.repository.course_exists,
        )
        if earlier is not None:
            return earlier, False
        if data.area_code == NATIONAL_ROOT or not is_valid_scope(data.area_code):
            raise invalid("area_code", f"{data.area_code} is not an area code", "area_code_invalid")
        if not principal.covers(data.area_code):
            raise Forbidden(f"Area {data.area_code} lies outside your area scope", code="outside_scope")
        check_dates(data.starts_on, data.ends_on)
        course = TrainingCourse(
            id=data.id or new_id(), **data.model_dump(exclude={"id"}), created_by=principal.id, version=1
        )
        self.session.add(course)
        await self.session.flush()
        await self.session.refresh(course)
        return course, True

    async def update(
        self, course_id: uuid.UUID, data: CourseUpdate, principal: Principal
    ) -> tuple[TrainingCourse, dict[str, Any]]:
        """The course changed, and its fields before the change (for the audit)."""
        course = await self.repository.course(course_id, principal, manage=True, lock=True)
        if course is None:
            raise course_not_found(course_id)
        taken = (await self.repository.places_taken([course.id])).get(course.id, 0)
        before = CourseRead.model_validate(course).model_dump(mode="json") | {"enrolled": taken}
        check_base_version(course.version, data.base_version, lambda: before)
        changes = data.model_dump(exclude={"base_version"}, exclude_unset=True)
        # Null leaves a required field as it is; it clears only the optional ones.
        changes = {k: v for k, v in changes.items() if v is not None or k in ("ends_on", "capacity", "note")}
        check_dates(changes.get("starts_on", course.starts_on), changes.get("ends_on", course.ends_on))
        capacity = changes.get("capacity", course.capacity)
        if capacity is not None and capacity < taken:
            raise Conflict(
                f"{taken} people hold places on this course; the capacity cannot go below that",
                code="capacity_below_enrolled",
                enrolled=taken,
            )
        for name, value in changes.items():
            setattr(course, name, value)
        course.version += 1
        course.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(course)
        return course, before


class EnrolmentService:
    def __init__(self, session: AsyncSession, lookup: Lookup | None = None) -> None:
        self.session = session
        self.repository = TrainingRepository(session)
        self.lookup = lookup

    async def enrol(
        self, course_id: uuid.UUID, data: EnrolmentCreate, principal: Principal
    ) -> tuple[Enrolment, bool]:
        if (course := await self.repository.course(course_id, principal)) is None:
            raise course_not_found(course_id)
        if (retry := await self._retry(course_id, data, principal)) is not None:
            return retry, False  # answered before asking the registry anything
        assert self.lookup is not None
        facts = (await self.lookup([data.person_id])).get(data.person_id)
        if facts is None:
            raise invalid("person_id", f"No person {data.person_id} in your area", "person_not_found")
        if not facts.alive:
            raise invalid("person_id", f"Person {data.person_id} has died", "person_deceased")
        if not is_within(facts.area_code, course.area_code):  # a course is for the people of its area
            raise invalid(
                "person_id", f"Person {data.person_id} lives outside the course's area", "person_outside_area"
            )
        # The course row is locked while its places are counted, so two sign-ups never share the last one.
        course = await self.repository.course(course_id, principal, lock=True)
        if course is None:
            raise course_not_found(course_id)
        if (retry := await self._retry(course_id, data, principal)) is not None:
            return retry, False
        if course.ends_on is not None and data.enrolled_on > course.ends_on:
            raise invalid("enrolled_on", f"The course ended on {course.ends_on}", "after_course_ends")
        if (held := await self.repository.enrolment_of(course.id, data.person_id)) is not None:
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
        enrolment = Enrolment(
            id=data.id or new_id(),
            course_id=course.id,
            person_id=facts.person_id,
            household_id=facts.household_id,
            area_code=facts.area_code,
            enrolled_on=data.enrolled_on,
            state=EnrolmentState.enrolled.value,
            created_by=principal.id,
            version=1,
        )
        self.session.add(enrolment)
        await self.session.flush()
        await self.session.refresh(enrolment)
        return enrolment, True

    async def act(self, enrolment_id: uuid.UUID, step: EnrolmentStep, principal: Principal) -> Enrolment:
        enrolment = await self.repository.enrolment(enrolment_id, principal.scope_prefix, lock=True)
        if enrolment is None:
            raise enrolment_not_found(enrolment_id)
        check_base_version(
            enrolment.version,
            step.base_version,
            lambda: read_enrolment(enrolment, principal).model_dump(mode="json"),
        )
        to = next_state(enrolment.state, step.action)
        if to is None:
            allowed = ", ".join(allowed_actions(enrolment.state)) or "none"
            raise Conflict(
                f"'{step.action.value}' is not a step from {enrolment.state} (allowed now: {allowed})",
                code="step_not_allowed",
            )
        {
            EnrolmentAction.complete: self._complete,
            EnrolmentAction.drop: self._drop,
            EnrolmentAction.place: self._place,
        }[step.action](enrolment, step)
        enrolment.state = to.value
        enrolment.version += 1
        enrolment.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(enrolment)
        return enrolment

    @staticmethod
    def _day(enrolment: Enrolment, step: EnrolmentStep) -> date:
        day = step.on or china_today()
        if day < enrolment.enrolled_on:
            raise invalid("on", f"The person enrolled on {enrolment.enrolled_on}", "before_enrolment")
        return day

    def _complete(self, enrolment: Enrolment, step: EnrolmentStep) -> None:
        enrolment.completed_on = self._day(enrolment, step)
        enrolment.certificate_no = step.certificate_no

    def _drop(self, enrolment: Enrolment, step: EnrolmentStep) -> None:
        if step.reason is None:
            raise invalid("reason", "Say why the person left the course", "reason_required")
        enrolment.dropped_on = self._day(enrolment, step)
        enrolment.drop_reason = step.reason

    @staticmethod
    def _place(enrolment: Enrolment, step: EnrolmentStep) -> None:
        job = step.placement
        if job is None:
            raise invalid(
                "placement", "Say where the job is: employer, place, start date", "placement_required"
            )
        if job.started_on < enrolment.enrolled_on:
            raise invalid(
                "placement",
                f"The job started before the enrolment ({enrolment.enrolled_on})",
                "before_enrolment",
            )
        enrolment.employer, enrolment.place, enrolment.place_code = job.employer, job.place, job.place_code
        enrolment.placed_on, enrolment.monthly_income = job.started_on, job.monthly_income

    async def _retry(
        self, course_id: uuid.UUID, data: EnrolmentCreate, principal: Principal
    ) -> Enrolment | None:
        def same(e: Enrolment) -> bool:
            return (e.course_id, e.person_id, e.enrolled_on) == (course_id, data.person_id, data.enrolled_on)

        return await earlier_request(data.id, self.repository.any_enrolment, same, principal, "Enrolment")
