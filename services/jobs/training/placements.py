"""A placement is employment: the job found after a course is the person's employment record, made by
the same intake as a posted record (services/jobs/employment), so its rollups and its events to
monitoring are exactly those of a posted record; and the person leaving that job is a record of not
working after it.

Each record's id is derived from the enrolment's, so delivering the step twice, or retrying it, stores
it once (the intake answers the copy as a duplicate). The status follows from where the job is, seen
from the person's village: another province, another county of the province, another town of the
county, or the same town.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.batches import answer_single
from services.common.errors import ValidationFailed
from services.jobs.employment.codes import EmploymentStatus, InformationSource
from services.jobs.employment.repository import EmploymentRepository
from services.jobs.employment.schemas import EmploymentItemResult, EmploymentRecordCreate
from services.jobs.employment.service import EmploymentIntake, Resolve
from services.jobs.shared.people import Lookup, PersonFacts
from services.jobs.training.models import Enrolment

NAMESPACE = uuid.UUID("5b7f3c1e-2d0a-4f38-9c51-6a1e0b7d2f90")  # of the records placements make


def placement_record_id(enrolment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{enrolment_id}:placed")


def leaving_record_id(enrolment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{enrolment_id}:left")


def status_for(home: str, place: str) -> EmploymentStatus:
    """Where a job at ``place`` is for a person of the village ``home`` (division codes: province 2
    digits, city 2, county 2, town 3)."""
    if place[:2] != home[:2]:
        return EmploymentStatus.away_out_of_province
    if place[:6] != home[:6]:
        return EmploymentStatus.away_in_province
    if place[:9] != home[:9]:
        return EmploymentStatus.away_in_county
    return EmploymentStatus.local


class Placements:
    """Employment records of placements, in the caller's scope (the registry is asked who the person is)."""

    def __init__(self, session: AsyncSession, lookup: Lookup, resolve: Resolve) -> None:
        self.session = session
        self.lookup = lookup
        self.resolve = resolve

    async def placed(
        self, enrolment: Enrolment, course_title: str, principal: Principal
    ) -> EmploymentItemResult:
        """The placement's record (the enrolment carries the job)."""
        assert enrolment.place_code is not None and enrolment.placed_on is not None
        facts = (await self.lookup([enrolment.person_id])).get(enrolment.person_id)
        home = facts.area_code if facts is not None else enrolment.area_code
        record = EmploymentRecordCreate(
            id=placement_record_id(enrolment.id),
            person_id=enrolment.person_id,
            status=status_for(home, enrolment.place_code),
            place_code=enrolment.place_code,
            place_name=enrolment.place,
            employer=enrolment.employer,
            started_on=enrolment.placed_on,
            monthly_income=enrolment.monthly_income,
            source=InformationSource.training,
            reported_on=enrolment.placed_on,
            note=f"培训就业安置：{course_title}"[:500],
        )
        return await self._post(record, facts, enrolment, principal)

    async def left(self, enrolment: Enrolment, principal: Principal) -> EmploymentItemResult | None:
        """The record of not working from the day after the last day worked, if the placement's record
        is still the person's latest (a later record, another job, already says where they are)."""
        assert enrolment.left_on is not None
        history = await EmploymentRepository(self.session).histories([enrolment.person_id])
        if not history or history[-1].id != placement_record_id(enrolment.id):
            return None
        if history[-1].reported_on > enrolment.left_on:
            return None
        facts = (await self.lookup([enrolment.person_id])).get(enrolment.person_id)
        record = EmploymentRecordCreate(
            id=leaving_record_id(enrolment.id),
            person_id=enrolment.person_id,
            status=EmploymentStatus.not_working,
            source=InformationSource.training,
            reported_on=enrolment.left_on,
            note=f"培训安置离岗：{enrolment.leave_reason or ''}"[:500],
        )
        return await self._post(record, facts, enrolment, principal)

    async def _post(
        self,
        record: EmploymentRecordCreate,
        facts: PersonFacts | None,
        enrolment: Enrolment,
        principal: Principal,
    ) -> EmploymentItemResult:
        async def known(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
            return {facts.person_id: facts} if facts is not None else {}

        intake = EmploymentIntake(self.session, known, self.resolve)
        item = (await intake.take([record], principal)).items[0]
        if item.error is not None:
            _refused(item.error)
        answer_single(item, Response())  # raises the refusal as the step's problem
        if item.status == "created":
            audit_trail(self.session).record(
                "employment_record.create",
                "employment_record",
                str(item.id),
                area_code=intake.areas.get(record.id),
                changes={"enrolment_id": str(enrolment.id), "events": item.events or None},
            )
        return item


def _refused(problem: dict[str, Any]) -> None:
    """A record the intake refused: the step is refused with that problem, pointing at the placement."""
    errors = problem.get("errors") or []
    if problem.get("status") == 422 and errors:
        first = errors[0]
        raise ValidationFailed.field(
            ["body", "placement"], first.get("msg", problem["detail"]), first["code"]
        )
