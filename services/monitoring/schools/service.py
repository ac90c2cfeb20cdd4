"""What the children's ledger does: record where a child studies, the proof of enrolment, and the way
back to school of a child out of it. A child who drops out raises the household's 义务教育未保障 alert
once (a repeat while out of school adds nothing)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.scope import in_scope
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.codes import AlertSource, RiskCode, Severity
from services.monitoring.models import InspectionPhoto
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.repository import ChildRepository
from services.monitoring.schools.schemas import (
    IN_SCHOOL,
    ChildRead,
    ChildUpdate,
    ProofSet,
    ReturnStep,
    ReturnStepIn,
    StudyPlace,
)

RULE_VERSION = "school_children@1"


def child_not_found(child_id: uuid.UUID) -> NotFound:
    return NotFound(f"No child {child_id}", code="child_not_found")


def _not_in_future(day: date, loc: list[str | int]) -> None:
    if day > china_today():
        raise ValidationFailed.field(loc, f"{day} is in the future", "date_in_future")


def snapshot(child: SchoolChild) -> dict[str, Any]:
    return ChildRead.model_validate(child).model_dump(mode="json")


class ChildService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ChildRepository(session)

    async def found(self, child_id: uuid.UUID, principal: Principal) -> SchoolChild:
        child = await self.repository.get(child_id, principal.scope_prefix, lock=True)
        if child is None:
            raise child_not_found(child_id)
        return child

    async def locked(self, child_id: uuid.UUID, principal: Principal, base_version: int) -> SchoolChild:
        child = await self.found(child_id, principal)
        check_base_version(child.version, base_version, lambda: snapshot(child))
        return child

    async def update(self, child_id: uuid.UUID, body: ChildUpdate, principal: Principal) -> SchoolChild:
        child = await self.locked(child_id, principal, body.base_version)
        was_out = child.study_place == StudyPlace.not_in_school.value
        changes = body.model_dump(exclude={"base_version"}, exclude_unset=True)
        if "study_place" in changes and changes["study_place"] != child.study_place:
            self._clear_proof(child)
            if changes["study_place"] != StudyPlace.not_in_school.value:
                child.out_of_school_reason = None
                child.return_state = child.found_on = child.persuaded_on = None
        for name, value in changes.items():
            setattr(child, name, value.value if isinstance(value, StudyPlace) else value)
        now_out = child.study_place == StudyPlace.not_in_school.value
        if now_out and not child.out_of_school_reason:
            raise ValidationFailed.field(
                ["body", "out_of_school_reason"],
                "A child not in school needs the reason",
                "out_of_school_reason_missing",
            )
        await self._saved(child)
        if now_out and not was_out:
            await self._dropped_out(child)
        return child

    async def prove(self, child_id: uuid.UUID, body: ProofSet, principal: Principal) -> SchoolChild:
        child = await self.found(child_id, principal)
        await self._photo_in_scope(body.photo_id, principal)  # the body's ids before its version
        check_base_version(child.version, body.base_version, lambda: snapshot(child))
        _not_in_future(body.proven_on, ["body", "proven_on"])
        if child.study_place not in {p.value for p in (*IN_SCHOOL, StudyPlace.home_schooling)}:
            raise Conflict(
                "Proof of enrolment is of a child studying somewhere: say where first",
                code="child_not_in_school",
            )
        child.proven_on, child.proof_document = body.proven_on, body.document
        child.proof_photo_id, child.proven_by = body.photo_id, principal.id
        await self._saved(child)
        return child

    async def step(self, child_id: uuid.UUID, body: ReturnStepIn, principal: Principal) -> SchoolChild:
        child = await self.locked(child_id, principal, body.base_version)
        _not_in_future(body.on, ["body", "on"])
        if child.study_place != StudyPlace.not_in_school.value:
            raise Conflict("Only a child out of school is brought back", code="child_not_out_of_school")
        before = {
            ReturnStep.found: (None, None),
            ReturnStep.persuaded: (ReturnStep.found.value, child.found_on),
            ReturnStep.returned: (ReturnStep.persuaded.value, child.persuaded_on),
        }[body.step]
        if child.return_state != before[0]:
            raise Conflict(
                f"The step {body.step.value} comes after {before[0] or 'none'}, not {child.return_state}",
                code="return_step_out_of_order",
            )
        if before[1] is not None and body.on < before[1]:
            raise ValidationFailed.field(["body", "on"], "Before the previous step", "date_too_early")
        if body.step is ReturnStep.found:
            child.found_on = body.on
        elif body.step is ReturnStep.persuaded:
            child.persuaded_on = body.on
        else:
            place = body.study_place
            if place is None or place is StudyPlace.not_in_school:
                raise ValidationFailed.field(
                    ["body", "study_place"], "Say where the child studies now", "study_place_missing"
                )
            child.returned_on, child.study_place, child.school = body.on, place.value, body.school
            child.out_of_school_reason = None
            self._clear_proof(child)
        child.return_state = body.step.value
        await self._saved(child)
        return child

    async def _photo_in_scope(self, photo_id: uuid.UUID | None, principal: Principal) -> None:
        if photo_id is None:
            return
        photo = await self.session.scalar(
            select(col(InspectionPhoto.id)).where(
                col(InspectionPhoto.id) == photo_id,
                in_scope(col(InspectionPhoto.area_code), principal.scope_prefix),
            )
        )
        if photo is None:
            raise ValidationFailed.field(
                ["body", "photo_id"], f"No photo {photo_id} in your area", "photo_not_found"
            )

    @staticmethod
    def _clear_proof(child: SchoolChild) -> None:
        child.proven_on = child.proof_document = child.proof_photo_id = child.proven_by = None

    async def _saved(self, child: SchoolChild) -> None:
        child.version += 1
        await self.session.flush()
        await self.session.refresh(child)

    async def _dropped_out(self, child: SchoolChild) -> None:
        """The household's alert (义务教育未保障), once per drop-out; a child the registry lacks has no
        household to alert about (its ledger row is what the town follows)."""
        if child.household_id is None:
            return
        where = f"，原因：{child.out_of_school_reason}" if child.out_of_school_reason else ""
        signal = Signal(
            household_id=child.household_id,
            area_code=child.area_code,
            risk_code=RiskCode.compulsory_education.value,
            severity=Severity.high.value,
            reason=f"控辍保学台账：适龄儿童{child.name}暂不在校{where}",
            rule_version=RULE_VERSION,
            source=AlertSource.school.value,
            source_id=f"{child.id}:{child.version}",
            raised_at=datetime.now(UTC),
        )
        await AlertRepository(self.session).raise_signals([signal])
