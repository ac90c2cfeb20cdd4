"""The rectification ledger (整改台账): one row per item, with its latest progress, streamed as XLSX or
CSV; village and town names come from the registry first (asked with the caller's own token)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.calendar import CHINA, china_today
from services.common.columns import table_of
from services.common.database import get_database, read_partitions
from services.common.division_names import name_of
from services.common.ledgers import PARTITION
from services.common.peers import call_peer
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.oversight.tasks.models import ProgressReport, Rectification
from services.oversight.tasks.workflow import ItemState, Source

SHEET_NAME = "整改台账"
SOURCES = {s.value: s.label for s in Source}
STATES = {s.value: s.label for s in ItemState}


def columns(areas: dict[str, str]) -> list[Column]:
    today = china_today()
    return [
        Column("区划代码", lambda r: r.area_code, 14),
        Column("区划名称", lambda r: name_of(r.area_code, areas), 12),
        Column("问题来源", lambda r: SOURCES.get(r.source, r.source), 10),
        Column("事项名称", lambda r: r.title, 24),
        Column("问题描述", lambda r: r.problem, 40),
        Column("整改措施", lambda r: r.measures, 40),
        Column("责任单位", lambda r: r.unit_name, 16),
        Column("责任人", lambda r: r.person_name, 10),
        Column("交办日期", lambda r: r.received_on, 12, "date"),
        Column("整改时限", lambda r: r.deadline, 12, "date"),
        Column("整改状态", lambda r: STATES.get(r.state, r.state), 12),
        Column("进展报告数", lambda r: r.report_count, 10, "number"),
        Column("最新进展", lambda r: r.latest_text, 40),
        Column("最新进展日期", lambda r: r.latest_on, 12, "date"),
        Column(
            "提交销号日期",
            lambda r: r.submitted_at.astimezone(CHINA).date() if r.submitted_at else None,
            12,
            "date",
        ),  # fmt: skip
        Column("销号日期", lambda r: r.closed_on, 12, "date"),
        Column("是否逾期", lambda r: _overdue(r, today), 8),
        Column("事项ID", lambda r: str(r.id), 38),
    ]


def _overdue(row: Any, today: Any) -> str:
    end = row.closed_on or today
    return "是" if end > row.deadline else "否"


HEADERS = [column.header for column in columns({})]


def ledger_query(scope_prefix: str, within: str) -> Select[Any]:
    r, p = table_of(Rectification), table_of(ProgressReport)
    latest = (
        select(p.c.text.label("latest_text"), p.c.reported_on.label("latest_on"))
        .where(p.c.item_id == r.c.id)
        .order_by(p.c.reported_on.desc(), p.c.created_at.desc())
        .limit(1)
        .lateral("latest")
    )
    return (
        select(r, *latest.c)
        .select_from(r)
        .outerjoin(latest, true())
        .where(in_scope(r.c.area_code, scope_prefix), in_scope(r.c.area_code, within))
        .order_by(r.c.area_code, r.c.deadline, r.c.id)
    )


async def area_names(request: Request, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    body = {"household_ids": [], "cadre_ids": [], "area_codes": codes}
    answer = await call_peer(request, request.app.state.registry_peer, "registry", "/internal/v1/names", body)
    return {a["code"]: a["name"] for a in answer["areas"]}


async def rectification_ledger(
    request: Request, session: AsyncSession, principal: Principal, prefix: str, format: ledgers.Format
) -> Response:
    area = area_label(prefix)
    audit_trail(session).record(
        "rectification.export", "rectification", None, area_code=area, changes={"format": format}
    )
    r = table_of(Rectification).c
    codes = await session.scalar(
        select(func.array_agg(r.area_code.distinct())).where(
            in_scope(r.area_code, principal.scope_prefix), in_scope(r.area_code, prefix)
        )
    )
    names = await area_names(request, list(codes or ()))
    # A county keeps hundreds of items, not the hundreds of thousands of rows a household ledger has:
    # always streamed in the answer, read in partitions on a session of its own.
    rows = read_partitions(get_database(request), ledger_query(principal.scope_prefix, prefix), PARTITION)
    return ledgers.ledger_file(f"rectifications-{area}", format, SHEET_NAME, columns(names), rows)
