"""The ledger of monitored households (监测对象台账): one row per assistance measure of each case, with
the case's columns (household, village, type, risk types, state, the date of each step); a case with no
measure yet has one row. Streamed; household numbers and names come from the registry first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.calendar import CHINA
from services.common.columns import table_of
from services.common.division_names import name_of
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.monitoring.cases.workflow import CaseAction, CaseState, MonitoringType
from services.monitoring.codes import RiskCode
from services.monitoring.models import Case, CaseEvent, Measure
from services.monitoring.names import Names, registry_names

SHEET_NAME = "监测对象台账"
STATES = {s.value: s.label for s in CaseState}
TYPES = {t.value: t.label for t in MonitoringType}
RISKS = {r.value: r.label for r in RiskCode}
MEASURE_KINDS = {
    "industry": "产业帮扶",
    "employment": "就业帮扶",
    "health": "健康帮扶",
    "education": "教育帮扶",
    "housing": "住房保障",
    "water": "饮水保障",
    "safety_net": "兜底保障",
    "micro_credit": "小额信贷",
    "welfare_post": "公益岗位",
    "other": "其他",
}
MEASURE_STATUSES = {"planned": "计划", "in_progress": "实施中", "done": "已完成", "cancelled": "已取消"}


def china_day(moment: datetime | None) -> date | None:
    return moment.astimezone(CHINA).date() if moment is not None else None


def _risks(codes: list[str] | None) -> str | None:
    return "、".join(RISKS.get(c, c) for c in codes) if codes else None


def _whom(row: Any) -> str | None:
    """一户一方案、一人一措施: for the household, or for one member."""
    if row.measure_id is None:
        return None
    return "个人" if row.person_id else "全户"


def columns(names: Names) -> list[Column]:
    households, cadres, areas = names.households, names.cadres, names.areas
    return [
        Column("户编号", lambda r: households.get(r.household_id), 20),
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("监测类型", lambda r: TYPES.get(r.monitoring_type, r.monitoring_type), 14),
        Column("风险类型", lambda r: _risks(r.risk_codes), 24),
        Column("认定环节", lambda r: STATES.get(r.state, r.state), 16),
        Column("首次预警日期", lambda r: china_day(r.first_alert_at), 12, "date"),
        Column("村级评议日期", lambda r: china_day(r.opened_at), 12, "date"),
        Column("公示开始日期", lambda r: china_day(r.notice_started_at), 12, "date"),
        Column("公示截止日期", lambda r: r.notice_ends_on, 12, "date"),
        Column("报乡镇审核日期", lambda r: china_day(r.submitted_at), 12, "date"),
        Column("乡镇审核日期", lambda r: china_day(r.town_approved_at), 12, "date"),
        Column("应审定日期", lambda r: r.decision_due_on, 12, "date"),
        Column("认定决定日期", lambda r: china_day(r.decided_at), 12, "date"),  # enrolled or rejected
        Column("纳入监测日期", lambda r: r.enrolled_on, 12, "date"),
        Column("提出风险消除日期", lambda r: china_day(r.exit_proposed_at), 12, "date"),
        Column("风险消除日期", lambda r: r.eliminated_on, 12, "date"),
        Column("帮扶措施", lambda r: MEASURE_KINDS.get(r.kind, r.kind), 10),
        Column("措施内容", lambda r: r.description, 30),
        Column("帮扶对象", _whom, 8),
        Column("责任干部", lambda r: cadres.get(r.cadre_id, str(r.cadre_id)) if r.cadre_id else None, 10),
        Column("措施开始日期", lambda r: r.starts_on, 12, "date"),
        Column("措施结束日期", lambda r: r.ends_on, 12, "date"),
        Column("金额（元）", lambda r: r.amount, 12, "number"),
        Column("措施状态", lambda r: MEASURE_STATUSES.get(r.status, r.status), 8),
        Column("户ID", lambda r: str(r.household_id), 38),
        Column("帮扶对象人员ID", lambda r: str(r.person_id) if r.person_id else None, 38),
        Column("监测对象ID", lambda r: str(r.case_id), 38),
        Column("措施ID", lambda r: str(r.measure_id) if r.measure_id else None, 38),
    ]


HEADERS = [column.header for column in columns(Names())]


def _cases(scope_prefix: str, within: str) -> Any:
    return (in_scope(col(Case.area_code), scope_prefix), in_scope(col(Case.area_code), within))


def _last(e: Any, action: CaseAction, to: CaseState) -> Any:
    """When the case last took this step (a case sent back takes it again)."""
    return func.max(e.c.at).filter(and_(e.c.action == action.value, e.c.to_state == to.value))


def ledger_query(scope_prefix: str, within: str) -> Select[Any]:
    """Cases in the area by village and first alert, each with its measures by start date.

    Steps and measures are looked up by the case's own id in lateral subqueries, so the plan stays
    linear whatever the planner's statistics (see the household ledger)."""
    c, m, e = (table_of(t) for t in (Case, Measure, CaseEvent))
    cases = select(c).where(*_cases(scope_prefix, within)).offset(0).subquery("case")
    steps = (
        select(
            _last(e, CaseAction.start_notice, CaseState.public_notice).label("notice_started_at"),
            _last(e, CaseAction.submit, CaseState.town_review).label("submitted_at"),
            _last(e, CaseAction.approve, CaseState.county_review).label("town_approved_at"),
            _last(e, CaseAction.propose_exit, CaseState.exit_village).label("exit_proposed_at"),
        )
        .where(e.c.case_id == cases.c.id)
        .lateral("steps")
    )
    measures = (
        select(m.c.id.label("measure_id"), *(m.c[name] for name in MEASURE_COLUMNS))
        .where(m.c.case_id == cases.c.id)
        .offset(0)  # kept a subquery: not flattened into a join the planner may choose to rescan
        .lateral("measure")
    )
    return (
        select(
            cases.c.id.label("case_id"),
            *(cases.c[name] for name in CASE_COLUMNS),
            *steps.c,
            *measures.c,
        )
        .select_from(cases)
        .join(steps, true())
        .outerjoin(measures, true())
        .order_by(
            cases.c.area_code, cases.c.first_alert_at, cases.c.id, measures.c.starts_on, measures.c.measure_id
        )
    )


CASE_COLUMNS = (
    "household_id", "area_code", "state", "monitoring_type", "risk_codes", "first_alert_at", "opened_at",
    "notice_ends_on", "decision_due_on", "decided_at", "enrolled_on", "eliminated_on",
)  # fmt: skip
MEASURE_COLUMNS = ("kind", "description", "person_id", "cadre_id", "starts_on", "ends_on", "amount", "status")


async def case_ledger(
    request: Request, session: AsyncSession, principal: Principal, prefix: str, format: ledgers.Format
) -> Response:
    """The ledger of the area ``prefix`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(prefix)
    audit_trail(session).record("case.export", "case", None, area_code=area, changes={"format": format})
    c, m = table_of(Case).c, table_of(Measure).c
    households, villages = (
        await session.execute(
            select(func.array_agg(c.household_id.distinct()), func.array_agg(c.area_code.distinct())).where(
                *_cases(principal.scope_prefix, prefix)
            )
        )
    ).one()
    # A measure lies where its case does.
    cadres = await session.scalar(
        select(func.array_agg(m.cadre_id.distinct())).where(
            m.cadre_id.is_not(None),
            in_scope(m.area_code, principal.scope_prefix),
            in_scope(m.area_code, prefix),
        )
    )
    names = await registry_names(request, households or (), cadres or (), villages or ())
    query = ledger_query(principal.scope_prefix, prefix)
    return await ledgers.ledger_answer(
        request,
        principal,
        "cases",
        query,
        name=f"cases-{area}",
        format=format,
        sheet=SHEET_NAME,
        columns=columns(names),
    )
