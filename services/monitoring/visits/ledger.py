"""The visit ledger (走访台账): one row per door-to-door visit (inspection), with the household, village,
who visited (the inspector, and the paired cadre it names), when, and what it found. Streamed; household
numbers and names come from the registry first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, Select, func, select
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
from services.monitoring.codes import RiskCode
from services.monitoring.models import Inspection
from services.monitoring.names import Names, registry_names

SHEET_NAME = "走访台账"
RISKS = {r.value: r.label for r in RiskCode}


def _found(findings: list[dict[str, Any]]) -> str | None:
    return "、".join(RISKS.get(f["code"], f["code"]) for f in findings) if findings else None


def _why(findings: list[dict[str, Any]]) -> str | None:
    return "；".join(f["reason"] for f in findings) if findings else None


def columns(names: Names) -> list[Column]:
    households, cadres, areas = names.households, names.cadres, names.areas
    return [
        Column("户编号", lambda r: households.get(r.household_id), 20),
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("走访时间", lambda r: r.visited_at, 17, "datetime"),
        Column("走访人", lambda r: r.inspector_name, 10),
        Column("帮扶干部", lambda r: cadres.get(r.cadre_id, str(r.cadre_id)) if r.cadre_id else None, 10),
        Column("发现问题", lambda r: _found(r.findings), 30),
        Column("问题数", lambda r: len(r.findings), 8, "number"),
        Column("问题说明", lambda r: _why(r.findings), 60),
        Column("晚到记录（未预警）", lambda r: "是" if r.superseded else None, 10),
        Column("户ID", lambda r: str(r.household_id), 38),
        Column("走访记录ID", lambda r: str(r.id), 38),
    ]


HEADERS = [column.header for column in columns(Names())]
LEDGER_COLUMNS = (
    "id", "household_id", "area_code", "visited_at", "inspector_name", "cadre_id", "findings", "superseded",
)  # fmt: skip


def _visits(
    scope_prefix: str, within: str, since: date | None, until: date | None
) -> list[ColumnElement[bool]]:
    """In the area, visited from ``since`` through ``until`` (China's calendar days)."""
    conditions = [
        in_scope(col(Inspection.area_code), scope_prefix),
        in_scope(col(Inspection.area_code), within),
    ]
    # The calendar's first and last days bound nothing (and China's first midnight is before year 1 in UTC).
    if since is not None and since > date.min:
        conditions.append(col(Inspection.visited_at) >= _day_starts(since))
    if until is not None and until < date.max:
        conditions.append(col(Inspection.visited_at) < _day_starts(until + timedelta(days=1)))
    return conditions


def _day_starts(day: date) -> datetime:
    return datetime.combine(day, time.min, CHINA)


def ledger_query(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    i = table_of(Inspection)
    return (
        select(*(i.c[name] for name in LEDGER_COLUMNS))
        .where(*conditions)
        .order_by(i.c.area_code, i.c.visited_at, i.c.id)
    )


async def visit_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    prefix: str,
    since: date | None,
    until: date | None,
    format: ledgers.Format,
) -> Response:
    """The ledger of the area ``prefix`` (scope.WithinQuery: already in the caller's scope)."""
    period = {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    area = area_label(prefix)
    trail = audit_trail(session)
    trail.record("visit.export", "inspection", None, area_code=area, changes={"format": format} | period)
    conditions = _visits(principal.scope_prefix, prefix, since, until)
    wanted: Sequence[Any] = (
        await session.execute(
            select(
                func.array_agg(col(Inspection.household_id).distinct()),
                func.array_agg(col(Inspection.cadre_id).distinct()).filter(
                    col(Inspection.cadre_id).is_not(None)
                ),
                func.array_agg(col(Inspection.area_code).distinct()),
            ).where(*conditions)
        )
    ).one()
    names = await registry_names(request, wanted[0] or (), wanted[1] or (), wanted[2] or ())
    query = ledger_query(conditions)
    return await ledgers.ledger_answer(
        request,
        principal,
        "visits",
        query,
        name=f"visits-{area}",
        format=format,
        sheet=SHEET_NAME,
        columns=columns(names),
    )
