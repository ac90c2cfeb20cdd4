"""Measure rules: only for a case that is enrolled or on its way out; changes carry the version."""

from __future__ import annotations

import uuid
from typing import Literal, overload

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.auth import Principal
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.retries import earlier_request, insert_once
from services.common.scope import in_scope
from services.monitoring.cases.repository import CaseRepository
from services.monitoring.cases.workflow import CaseState
from services.monitoring.measures.schemas import MeasureCreate, MeasureRead, MeasureUpdate
from services.monitoring.models import Measure
from services.monitoring.references import Asked, Lookup

# Help is planned once the county has enrolled the household, and continues until the risk is gone.
PLANNABLE = {CaseState.enrolled, CaseState.exit_village, CaseState.exit_town, CaseState.exit_county}


class MeasureService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, case_id: uuid.UUID, data: MeasureCreate, principal: Principal, registry: Lookup
    ) -> tuple[Measure, bool]:
        earlier = await self._repeated(case_id, data, principal)
        if earlier is not None:
            return earlier, False
        case = await CaseRepository(self.session).get(case_id, principal.scope_prefix)
        if case is None:
            raise NotFound(f"No case {case_id}", code="case_not_found")
        await self.check_references(data, case.household_id, registry)
        if CaseState(case.state) not in PLANNABLE:
            raise Conflict(
                f"Measures are planned for enrolled households; this case is {case.state}",
                code="case_not_enrolled",
            )
        if data.ends_on is not None and data.ends_on < data.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The end is before the start", "ends_before_start"
            )
        measure = Measure(
            id=data.id or new_id(),
            case_id=case.id,
            household_id=case.household_id,
            area_code=case.area_code,
            **data.model_dump(exclude={"id"}),
            status="planned",
            created_by=principal.id,
            version=1,
        )
        return await insert_once(self.session, measure, lambda: self._repeated(case_id, data, principal))

    async def _repeated(
        self, case_id: uuid.UUID, data: MeasureCreate, principal: Principal
    ) -> Measure | None:
        return await earlier_request(
            data.id,
            self._earlier,
            lambda measure: measure.case_id == case_id,
            principal,
            "Measure",
            code="measure_id_in_use",
        )

    async def _earlier(self, measure_id: uuid.UUID) -> Measure | None:
        """A measure with this id, wherever it is (only to tell a retry from a reused id)."""
        return (
            await self.session.execute(select(Measure).where(Measure.id == measure_id))
        ).scalar_one_or_none()

    @staticmethod
    async def check_references(data: MeasureCreate, household_id: uuid.UUID, registry: Lookup) -> None:
        """The member must be of the case's household; the cadre paired with it or of its area."""
        if data.person_id is None and data.cadre_id is None:
            return
        asked = Asked(households={household_id})
        asked.people.update([data.person_id] if data.person_id else [])
        asked.cadres.update([data.cadre_id] if data.cadre_id else [])
        known = await registry(asked)
        problems = [
            known.person_problem(data.person_id, household_id, ["body", "person_id"])
            if data.person_id
            else None,
            known.cadre_problem(data.cadre_id, household_id, ["body", "cadre_id"]) if data.cadre_id else None,
        ]
        if (problem := next((p for p in problems if p is not None), None)) is not None:
            raise problem

    async def update(self, measure_id: uuid.UUID, data: MeasureUpdate, principal: Principal) -> Measure:
        measure = await self._get(measure_id, principal, lock=True)
        check_base_version(
            measure.version,
            data.base_version,
            lambda: MeasureRead.model_validate(measure).model_dump(mode="json"),
        )
        changes = data.model_dump(exclude={"base_version"}, exclude_unset=True)
        ends_on = changes.get("ends_on", measure.ends_on)
        if ends_on is not None and ends_on < measure.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The end is before the start", "ends_before_start"
            )
        for field, value in changes.items():
            if value is None and field in ("status", "description"):
                continue  # required fields: null means "leave as it is"
            setattr(measure, field, value)
        measure.version += 1
        await self.session.flush()
        await self.session.refresh(measure)
        return measure

    async def of_case(self, case_id: uuid.UUID, principal: Principal) -> list[Measure]:
        if await CaseRepository(self.session).get(case_id, principal.scope_prefix) is None:
            raise NotFound(f"No case {case_id}", code="case_not_found")
        query = (
            select(Measure)
            .where(Measure.case_id == case_id, in_scope(col(Measure.area_code), principal.scope_prefix))
            .order_by(col(Measure.starts_on), col(Measure.id))
            .limit(1000)
        )
        return list((await self.session.execute(query)).scalars())

    @overload
    async def _get(
        self,
        measure_id: uuid.UUID,
        principal: Principal,
        *,
        lock: bool = ...,
        missing_ok: Literal[False] = ...,
    ) -> Measure: ...
    @overload
    async def _get(
        self, measure_id: uuid.UUID, principal: Principal, *, lock: bool = ..., missing_ok: bool
    ) -> Measure | None: ...
    async def _get(
        self, measure_id: uuid.UUID, principal: Principal, *, lock: bool = False, missing_ok: bool = False
    ) -> Measure | None:
        query = select(Measure).where(
            Measure.id == measure_id, in_scope(col(Measure.area_code), principal.scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        measure = (await self.session.execute(query)).scalar_one_or_none()
        if measure is None and not missing_ok:
            raise NotFound(f"No measure {measure_id}", code="measure_not_found")
        return measure
