"""Case rules: opening from alerts, each step by the level that owns it, the time limit, measures."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import STEP_LEVELS, Principal
from services.common.calendar import CHINA, china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.monitoring.cases.events import publish_eliminated, publish_enrolled
from services.monitoring.cases.repository import CaseRepository
from services.monitoring.cases.schemas import CaseDetail, CaseEventRead, CaseOpen, CaseRead, CaseStep
from services.monitoring.cases.workflow import (
    TRANSITIONS,
    CaseAction,
    CaseState,
    Step,
    step_for,
)
from services.monitoring.codes import LIVE_ALERT_STATES, AlertState
from services.monitoring.models import Case, CaseEvent
from services.monitoring.thresholds.repository import ThresholdRepository

DEFAULT_DECISION_DAYS = 30  # when no thresholds apply: the limit most provinces set


Actor = tuple[str, str, str]  # id, name, role as the step records them


def actor_of(principal: Principal) -> Actor:
    return principal.id, principal.name[:100], principal.role.value


def record_step(
    session: AsyncSession, case: Case, action: str, before: str | None, actor: Actor, reason: str | None
) -> None:
    """Keep one step of a case: who (a person or the system), which action, from which state, why."""
    actor_id, actor_name, actor_role = actor
    session.add(
        CaseEvent(
            case_id=case.id,
            action=action,
            from_state=before,
            to_state=case.state,
            actor_id=actor_id,
            actor_name=actor_name,
            actor_role=actor_role,
            reason=reason,
        )
    )


async def decision_days(session: AsyncSession, area_code: str, year: int) -> int:
    """The time limit from a first alert in ``year`` to the county's decision, for a village."""
    thresholds = await ThresholdRepository(session).in_force(area_code, year)
    return thresholds.alert_decision_days if thresholds else DEFAULT_DECISION_DAYS


def actions_for(case: Case, principal: Principal) -> list[str]:
    if not principal.covers(case.area_code):
        return []
    steps = TRANSITIONS.get(CaseState(case.state), {})
    return [action.value for action, step in steps.items() if principal.acts_at(step.permission)]


def check_step_allowed(case: Case, action: CaseAction, step: Step, principal: Principal) -> None:
    """The role must hold the step's level, and the scope must reach it (see ``Principal.acts_at``)."""
    taken_by = f"'{action.value}' on a case in {case.state} is taken by {step.who}"
    if not principal.can(step.permission):
        raise Forbidden(
            f"{taken_by}; the {principal.role.value} role may not (needs {step.permission.value})",
            code="step_not_allowed",
            permission=step.permission.value,
        )
    if not principal.acts_at(step.permission):
        level = STEP_LEVELS[step.permission].value
        raise Forbidden(
            f"{taken_by}; your scope {principal.scope} is a {principal.scope_level}, so you act for the "
            f"{principal.scope_level} (needs a {level} scope or wider)",
            code="step_above_scope",
            permission=step.permission.value,
        )


def read(case: Case, principal: Principal) -> CaseRead:
    end = case.decided_at or datetime.now(UTC)
    return CaseRead.model_validate(case).model_copy(
        update={
            "actions": actions_for(case, principal),
            "days_to_decision": (end - case.first_alert_at).days if case.decided_at else None,
        }
    )


class CaseService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CaseRepository(session)

    async def open(self, data: CaseOpen, principal: Principal) -> tuple[Case, bool]:
        if data.id is not None and (existing := await self.repository.get(data.id, principal.scope_prefix)):
            return existing, False
        alerts = await self.repository.alerts(data.alert_ids, principal.scope_prefix)
        missing = set(data.alert_ids) - {a.id for a in alerts}
        if missing:
            raise ValidationFailed.field(
                ["body", "alert_ids"],
                f"No such alert in your area: {sorted(map(str, missing))[0]}",
                "alert_not_found",
            )
        if len({a.household_id for a in alerts}) > 1:
            raise ValidationFailed.field(
                ["body", "alert_ids"],
                "The alerts are about different households",
                "alerts_of_several_households",
            )
        if not_live := [a for a in alerts if a.state not in LIVE_ALERT_STATES]:
            raise Conflict(
                f"Alert {not_live[0].id} is {not_live[0].state}; only live (open or acknowledged) alerts "
                "open a case",
                code="alert_not_live",
            )
        first = min(alerts, key=lambda a: a.first_raised_at)
        case = await self.repository.open_case_of(first.household_id, lock=True)
        created = case is None
        if case is None:
            case = Case(
                id=data.id or new_id(),
                household_id=first.household_id,
                area_code=first.area_code,
                state=CaseState.village_deliberation.value,
                risk_codes=sorted({a.risk_code for a in alerts}),
                first_alert_at=first.first_raised_at,
                decision_due_on=await self._due_on(first.area_code, first.first_raised_at),
                opened_by=principal.id,
                version=1,
            )
            self.session.add(case)
            await self.session.flush()
            record_step(self.session, case, "open", None, actor_of(principal), None)
        else:  # the household's open case takes the new risks
            case.risk_codes = sorted(set(case.risk_codes) | {a.risk_code for a in alerts})
            case.version += 1
        for alert in alerts:
            alert.state, alert.case_id = AlertState.case_opened.value, case.id
            alert.handled_by, alert.handled_at, alert.version = (
                principal.id,
                datetime.now(UTC),
                alert.version + 1,
            )
        await self.session.flush()
        return case, created

    async def act(self, case_id: uuid.UUID, body: CaseStep, principal: Principal) -> Case:
        case = await self._get(case_id, principal, lock=True)
        check_base_version(
            case.version, body.base_version, lambda: read(case, principal).model_dump(mode="json")
        )
        step = step_for(case.state, body.action)
        if step is None:
            allowed = ", ".join(a.value for a in TRANSITIONS.get(CaseState(case.state), {})) or "nothing"
            raise Conflict(
                f"A case in {CaseState(case.state).label} ({case.state}) cannot take '{body.action.value}' "
                f"(possible now: {allowed})",
                code="case_state",
                current=read(case, principal).model_dump(mode="json"),
            )
        check_step_allowed(case, body.action, step, principal)
        if body.action == CaseAction.approve:
            await self._check_four_eyes(case, principal)
        self._check_body(case, step, body)
        before = case.state
        self._apply(case, step, body)
        record_step(self.session, case, body.action.value, before, actor_of(principal), body.reason)
        # The county's decisions reach the registry (its 监测户 periods); a return to enrolled does not.
        if step.to == CaseState.enrolled and before == CaseState.county_review:
            assert case.enrolled_on is not None
            await publish_enrolled(self.session, case, case.enrolled_on)
        if step.to == CaseState.eliminated:
            assert case.eliminated_on is not None
            await publish_eliminated(self.session, case, case.eliminated_on)
        await self.session.flush()
        return case

    async def _check_four_eyes(self, case: Case, principal: Principal) -> None:
        """Whoever moved the case to this level may not also approve it here."""
        events = await self.repository.events(case.id)
        passed_on = next((e for e in reversed(events) if e.to_state == case.state), None)
        if passed_on is not None and passed_on.actor_id == principal.id:
            raise Forbidden(
                "You passed this case on to this step yourself; someone else approves it (four eyes)",
                code="four_eyes",
            )

    def _check_body(self, case: Case, step: Step, body: CaseStep) -> None:
        if step.needs_reason and not body.reason:
            raise ValidationFailed.field(
                ["body", "reason"], "Say why (it is kept with the case)", "reason_required"
            )
        if body.action == CaseAction.start_notice:
            if body.notice_ends_on is None or body.notice_ends_on < china_today():
                raise ValidationFailed.field(
                    ["body", "notice_ends_on"],
                    "Give the last day of the public notice (today or later)",
                    "notice_date",
                )
        if body.action == CaseAction.submit and case.state == CaseState.public_notice:
            if case.notice_ends_on is not None and china_today() <= case.notice_ends_on:
                raise Conflict(
                    f"The public notice runs until {case.notice_ends_on}; submit after it ends",
                    code="notice_running",
                )
        if step.to == CaseState.enrolled and body.monitoring_type is None:
            raise ValidationFailed.field(
                ["body", "monitoring_type"],
                "The county names the type of monitored household",
                "type_required",
            )

    def _apply(self, case: Case, step: Step, body: CaseStep) -> None:
        now = datetime.now(UTC)
        case.state = step.to.value
        if body.action == CaseAction.start_notice:
            case.notice_ends_on = body.notice_ends_on
        if step.to == CaseState.enrolled:
            assert body.monitoring_type is not None  # _check_body refused a step to enrolled without one
            case.monitoring_type = body.monitoring_type.value
            if body.risk_codes:
                case.risk_codes = sorted({c.value for c in body.risk_codes})
            case.enrolled_on, case.decided_at = china_today(), now
        if step.to == CaseState.rejected and case.decided_at is None:
            case.decided_at = now
        if step.to == CaseState.eliminated:
            case.eliminated_on = china_today()
        case.version += 1

    async def _due_on(self, area_code: str, first_alert_at: datetime) -> date:
        raised = first_alert_at.astimezone(CHINA)
        return raised.date() + timedelta(days=await decision_days(self.session, area_code, raised.year))

    async def detail(self, case_id: uuid.UUID, principal: Principal) -> CaseDetail:
        case = await self._get(case_id, principal)
        events = [CaseEventRead.model_validate(e) for e in await self.repository.events(case.id)]
        alert_ids = await self.repository.alert_ids_of(case.id)
        return CaseDetail(**read(case, principal).model_dump(), history=events, alert_ids=alert_ids)

    async def _get(self, case_id: uuid.UUID, principal: Principal, *, lock: bool = False) -> Case:
        case = await self.repository.get(case_id, principal.scope_prefix, lock=lock)
        if case is None:
            raise NotFound(f"No case {case_id}", code="case_not_found")
        return case
