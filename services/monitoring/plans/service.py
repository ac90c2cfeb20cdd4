"""Plans for everyone: any plannable household gets measures (一户一方案、一人一措施), whether or not a
case is open. Plannable are the households the setting ``plannable`` names: 脱贫户 (escaped) and 监测户
(monitored) as the registry's periods say today, and 边缘易致贫户 (marginal: an enrolled case of that
type). A measure of a household with an enrolled case is also the case's (it shows in the case's plan)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.retries import earlier_request, insert_once
from services.monitoring.cases.workflow import MonitoringType
from services.monitoring.measures.schemas import MeasureCreate, MeasureRead
from services.monitoring.measures.service import PLANNABLE, MeasureService
from services.monitoring.models import Case, Measure
from services.monitoring.plans.repository import PlanRepository
from services.monitoring.plans.schemas import CoverageCount, HouseholdPlan, PlanCoverage
from services.monitoring.references import Lookup
from services.monitoring.roster import Listed

# The registry's households of an area on a day (``roster.roster`` bound to the request).
Roster = Callable[..., Awaitable[list[Listed]]]
AreaNames = Callable[[list[str]], Awaitable[dict[str, str]]]


def not_found(household_id: uuid.UUID) -> NotFound:
    return NotFound(f"No household {household_id} is registered in your area", code="household_not_found")


def plannable(category: str | None, case: Case | None, allowed: Collection[str]) -> bool:
    """Whether the household may have a plan: its category today, or its enrolled case's type."""
    if category in allowed:
        return True
    if case is None:
        return False
    return "monitored" in allowed or (
        case.monitoring_type == MonitoringType.marginal.value and "marginal" in allowed
    )


class PlanService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.plans = PlanRepository(session)

    async def add(
        self,
        household_id: uuid.UUID,
        data: MeasureCreate,
        principal: Principal,
        roster: Roster,
        registry: Lookup,
        allowed: Collection[str],
    ) -> tuple[Measure, bool]:
        earlier = await self._earlier(household_id, data, principal)
        if earlier is not None:
            return earlier, False
        listed = await roster(within=principal.scope_prefix, on=china_today(), household_ids=[household_id])
        if not listed:
            raise not_found(household_id)
        case = await self.plans.live_case(household_id, [s.value for s in PLANNABLE])
        if not plannable(listed[0].category, case, allowed):
            raise Conflict(
                f"Household {household_id} is {listed[0].category}: plans are made for "
                f"{', '.join(sorted(allowed))} households",
                code="household_not_plannable",
            )
        await MeasureService.check_references(data, household_id, registry)
        if data.ends_on is not None and data.ends_on < data.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The end is before the start", "ends_before_start"
            )
        measure = Measure(
            id=data.id or new_id(),
            case_id=case.id if case is not None else None,
            household_id=household_id,
            area_code=listed[0].area_code,
            **data.model_dump(exclude={"id"}),
            status="planned",
            created_by=principal.id,
            version=1,
        )
        return await insert_once(self.session, measure, lambda: self._earlier(household_id, data, principal))

    async def _earlier(
        self, household_id: uuid.UUID, data: MeasureCreate, principal: Principal
    ) -> Measure | None:
        return await earlier_request(
            data.id,
            self.plans.find,
            lambda m: m.household_id == household_id and _same(m, data),
            principal,
            "Measure",
            code="measure_id_in_use",
        )

    async def plan(self, household_id: uuid.UUID, principal: Principal, roster: Roster) -> HouseholdPlan:
        measures = await self.plans.of_household(household_id, principal.scope_prefix)
        if not measures and not await roster(
            within=principal.scope_prefix, on=china_today(), household_ids=[household_id]
        ):
            raise not_found(household_id)
        today = china_today()
        current = sum(
            1
            for m in measures
            if m.status != "cancelled" and m.starts_on <= today and (m.ends_on is None or m.ends_on >= today)
        )
        return HouseholdPlan(
            household_id=household_id,
            current=current,
            measures=[MeasureRead.model_validate(m) for m in measures],
        )

    async def coverage(
        self, area: str, prefix: str, day: date, category: str, roster: Roster, names: AreaNames
    ) -> PlanCoverage:
        listed = await roster(within=prefix, on=day, categories=[category])
        planned = await self.plans.planned([h.household_id for h in listed], day)
        households = Counter(h.area_code for h in listed)
        covered = Counter(h.area_code for h in listed if h.household_id in planned)
        named = await names(sorted(households))
        return PlanCoverage(
            area_code=area,
            as_of=day,
            category=category,
            total=_count(area, None, len(listed), len(planned)),
            by_village=[
                _count(code, named.get(code), households[code], covered[code]) for code in sorted(households)
            ],
        )


def _count(code: str, name: str | None, households: int, planned: int) -> CoverageCount:
    share = round(planned / households, 4) if households else None
    return CoverageCount(area_code=code, name=name, households=households, planned=planned, share=share)


def _same(measure: Measure, data: MeasureCreate) -> bool:
    """A retry names what the first request named."""
    return (measure.kind, measure.description, measure.starts_on, measure.person_id) == (
        data.kind,
        data.description,
        data.starts_on,
        data.person_id,
    )
