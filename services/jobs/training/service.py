"""Training rules: courses changed within the caller's area, and each enrolment's steps (complete, drop,
place, leave) in order, on plausible dates; placing and leaving write the person's employment record in
the same transaction (``placements``). Creating courses and enrolments: ``intake``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, NotFound
from services.jobs.shared.checks import check_dates, invalid
from services.jobs.training.models import Enrolment, TrainingCourse
from services.jobs.training.placements import Placements, placement_record_id
from services.jobs.training.repository import TrainingRepository
from services.jobs.training.schemas import (
    CourseRead,
    CourseUpdate,
    EnrolmentRead,
    EnrolmentStep,
)
from services.jobs.training.workflow import EnrolmentAction, allowed_actions, next_state, reached_by

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
    record = placement_record_id(enrolment.id) if enrolment.placed_on is not None else None
    return EnrolmentRead.model_validate(enrolment).model_copy(
        update={"actions": actions, "employment_record_id": record}
    )


class CourseService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = TrainingRepository(session)

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
    def __init__(self, session: AsyncSession, placements: Placements | None = None) -> None:
        self.session = session
        self.repository = TrainingRepository(session)
        self.placements = placements

    async def act(
        self, enrolment_id: uuid.UUID, step: EnrolmentStep, principal: Principal
    ) -> tuple[Enrolment, bool]:
        """The enrolment after the step, and whether the step changed it (the same step again, sent
        by a phone that lost the answer, is answered with the enrolment as it is: no effect)."""
        enrolment = await self.repository.enrolment(enrolment_id, principal.scope_prefix, lock=True)
        if enrolment is None:
            raise enrolment_not_found(enrolment_id)
        if _already_taken(enrolment, step):
            return enrolment, False
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
            EnrolmentAction.leave: self._leave,
        }[step.action](enrolment, step)
        enrolment.state = to.value
        enrolment.version += 1
        enrolment.updated_at = datetime.now(UTC)
        await self.session.flush()
        if step.action in (EnrolmentAction.place, EnrolmentAction.leave):
            await self._employment(enrolment, step.action, principal)
        await self.session.refresh(enrolment)
        return enrolment, True

    async def _employment(self, enrolment: Enrolment, action: EnrolmentAction, principal: Principal) -> None:
        """The placement's employment record, or its end, in this transaction."""
        assert self.placements is not None
        if action == EnrolmentAction.place:
            course = await self.repository.course_by_id(enrolment.course_id)
            await self.placements.placed(enrolment, course.title if course else "", principal)
        else:
            await self.placements.left(enrolment, principal)

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

    def _leave(self, enrolment: Enrolment, step: EnrolmentStep) -> None:
        if step.reason is None:
            raise invalid("reason", "Say why the person left the job", "reason_required")
        day = step.on or china_today()
        assert enrolment.placed_on is not None
        if day < enrolment.placed_on:
            raise invalid("on", f"The job started on {enrolment.placed_on}", "before_placement")
        enrolment.left_on, enrolment.leave_reason = day, step.reason

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


def _already_taken(enrolment: Enrolment, step: EnrolmentStep) -> bool:
    """Whether the enrolment already stands where this very step left it (a retry of the step)."""
    if enrolment.state != reached_by(step.action):
        return False
    on = step.on
    if step.action == EnrolmentAction.complete:
        return (
            on is None or on == enrolment.completed_on
        ) and step.certificate_no == enrolment.certificate_no
    if step.action == EnrolmentAction.drop:
        return (on is None or on == enrolment.dropped_on) and step.reason == enrolment.drop_reason
    if step.action == EnrolmentAction.leave:
        return (on is None or on == enrolment.left_on) and step.reason == enrolment.leave_reason
    job = step.placement
    return job is not None and (
        job.employer,
        job.place,
        job.place_code,
        job.started_on,
        job.monthly_income,
    ) == (
        enrolment.employer,
        enrolment.place,
        enrolment.place_code,
        enrolment.placed_on,
        enrolment.monthly_income,
    )
