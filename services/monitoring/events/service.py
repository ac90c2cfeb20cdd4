"""What monitoring does with other services' events: findings that raise or repeat alerts, the
cadres' pairings that visit compliance is counted against (``visits.pairings``), and the households'
members its people figures are counted from (``events.members``).

Rules here are explainable like the inspection rules: each names its version and gives a reason a
cadre can read. Code labels are the publishers' public contract, repeated here (services share no code).
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.events.inbox import DeliveryReceipt, EventDelivery, Handler, IncomingEvent, take_in
from services.monitoring.alerts.repository import AlertRepository, Signal
from services.monitoring.codes import AlertSource, RiskCode, Severity
from services.monitoring.events import incomes, members, moves
from services.monitoring.events.repository import defer_rollups, flush_rollups
from services.monitoring.models import SCHEMA
from services.monitoring.schools import events as children
from services.monitoring.visits import pairings

HEALTH_LABELS = {"healthy": "健康", "chronic": "长期慢性病", "serious": "大病", "disabled": "残疾"}
EMPLOYMENT_LABELS = {
    "away_out_of_province": "省外务工",
    "away_in_province": "省内县外务工",
    "away_in_county": "县内乡外务工",
    "local": "本地务工",
    "public_welfare_post": "公益岗",
    "self_employed": "自主创业",
    "not_working": "未就业",
    "unable": "无劳动能力",
}
NOT_WORKING = frozenset({"not_working", "unable"})


def health_findings(event: IncomingEvent) -> list[tuple[RiskCode, Severity, str]]:
    """A member whose health turns to serious illness (因病) or who becomes disabled (因残)."""
    changes: dict[str, list[Any]] = event.payload.get("changes") or {}
    old, new = (changes.get("health") or [None, None])[:2]
    old_grade, new_grade = (changes.get("disability_grade") or [None, None])[:2]
    was = f"（原为{HEALTH_LABELS.get(old, old)}）" if old else ""
    findings = []
    if new == "serious" and old != "serious":
        findings.append((RiskCode.illness, Severity.high, f"户籍信息变更：家庭成员健康状况变为大病{was}"))
    if (new == "disabled" and old != "disabled") or (new_grade is not None and new_grade != old_grade):
        grade = f"，残疾等级{new_grade}级" if new_grade is not None else ""
        severity = Severity.high if new_grade in (1, 2, "1", "2") else Severity.medium
        findings.append((RiskCode.disability, severity, f"户籍信息变更：家庭成员致残{grade}{was}"))
    return findings


def employment_findings(event: IncomingEvent) -> list[tuple[RiskCode, Severity, str]]:
    """Coming home or losing work is a risk only without income: a return to a local job is not."""
    payload = event.payload
    new: Any = payload.get("new_status")  # JSON: a status name, or absent
    previous = payload.get("previous_status")
    income = _money(payload.get("monthly_income"))
    if new not in NOT_WORKING and (income is None or income > 0):
        return []
    what = "务工人员返乡" if event.type == "employment.returned_home" else "家庭成员失业"
    before = f"（原：{EMPLOYMENT_LABELS.get(previous, previous)}）" if previous else ""
    now = EMPLOYMENT_LABELS.get(new, new)
    earning = "无收入" if not income else f"月收入{income}元"
    return [(RiskCode.job_loss, Severity.medium, f"就业信息：{what}，现{now}、{earning}{before}")]


def loan_findings(event: IncomingEvent) -> list[tuple[RiskCode, Severity, str]]:
    """A household member's micro-credit loan past its due date with a balance (the projects service
    reports each loan once)."""
    payload = event.payload
    balance = _money(payload.get("balance_fen"))
    owed = f"，余额{balance / 100:,.2f}元未还" if balance is not None else ""
    bank = payload.get("bank") or "银行"
    reason = f"小额信贷逾期：{bank}贷款{payload.get('due_on', '')}到期{owed}"
    return [(RiskCode.loan_overdue, Severity.medium, reason)]


def _money(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _handler(source: AlertSource, rule_version: str, findings: Any) -> Handler:
    async def handle(session: AsyncSession, event: IncomingEvent) -> None:
        household = event.payload.get("household_id") or event.subject_id
        if household is None or not is_village(event.area_code):
            return
        signals = [
            Signal(
                household_id=uuid.UUID(str(household)),
                area_code=event.area_code,
                risk_code=code.value,
                severity=severity.value,
                reason=reason,
                rule_version=rule_version,
                source=source.value,
                source_id=f"{event.id}:{code.value}",
                raised_at=event.occurred_at,
            )
            for code, severity, reason in findings(event)
        ]
        await AlertRepository(session).raise_signals(signals)

    return handle


async def _household_deleted(session: AsyncSession, event: IncomingEvent) -> None:
    await pairings.household_deleted(session, event)
    await members.later(members.household_deleted)(session, event)


HANDLERS: dict[tuple[str, str], Handler] = {
    ("registry", "person.health_changed"): _handler(
        AlertSource.registry, "registry_health@1", health_findings
    ),
    # The cadres' pairings, for visit compliance.
    ("registry", "pairing.created"): pairings.pairing_made,
    ("registry", "pairing.changed"): pairings.pairing_changed,
    # Pairings, alerts, cases and school children follow.
    ("registry", "household.moved"): children.also(moves.household_moved, children.household_moved),
    # Both of the registry's feeds carry it (one event id: the first to arrive does both).
    ("registry", "household.deleted"): _household_deleted,
    # Who is a member of which household from when: the people figures (written at the batch's end).
    ("registry", "household.created"): members.household_created,
    ("registry", "person.created"): children.also(members.person_created, children.person_created),
    ("registry", "person.moved"): children.also(members.later(members.person_moved), children.person_moved),
    ("registry", "person.deceased"): children.also(
        members.later(members.person_deceased), children.person_deceased
    ),
    ("registry", "person.death_withdrawn"): children.also(
        members.later(members.person_deceased), children.person_deceased
    ),
    ("registry", "person.deleted"): children.also(
        members.later(members.person_deleted), children.person_deleted
    ),
    ("jobs", "employment.returned_home"): _handler(
        AlertSource.employment, "employment_income@1", employment_findings
    ),
    ("jobs", "employment.job_lost"): _handler(
        AlertSource.employment, "employment_income@1", employment_findings
    ),
    # What households received through projects' and assets' beneficiary links: income the rules count.
    ("projects", "beneficiary.paid"): incomes.beneficiary_paid,
    # A loan past its due date with a balance (扶贫小额信贷逾期): an alert on the household.
    ("projects", "loan.overdue"): _handler(AlertSource.credit, "loan_overdue@1", loan_findings),
}


async def take_delivery(session: AsyncSession, delivery: EventDelivery) -> DeliveryReceipt:
    """A relay's batch, each event taken in once (the inbox). A batch's rollup subjects (pairings,
    alerts) are counted once at its end, not once per event."""
    await defer_rollups(session)
    receipt = await take_in(session, SCHEMA, delivery, HANDLERS)
    await children.flush(session)
    await members.flush(session)
    await flush_rollups(session)
    return receipt
