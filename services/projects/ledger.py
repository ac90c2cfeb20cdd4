"""The project library ledger (项目库台账): one row per funding line of each project in the area — the
project's year, name, area (code and name), sector, unit, state and dates beside the line's source and
its budget, received and paid in fen. A county's library is hundreds of projects, so the file is written
from one read (no export job), as the station ledger is; the area names come from the registry first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.division_names import name_of
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.projects.codes import FundingSource, ProjectState, Sector
from services.projects.models import Project, ProjectFund
from services.projects.registry import area_names

SHEET_NAME = "项目库台账"


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _label(codes: Any, value: str | None) -> str | None:
    return None if value is None else codes(value).label


def columns(areas: Mapping[str, str]) -> list[Column]:
    return [
        Column("项目年度", lambda r: r.year, 8, "number"),
        Column("项目名称", lambda r: r.name, 30),
        Column("区划代码", lambda r: r.area_code, 14),
        Column("区划名称", lambda r: name_of(r.area_code, areas), 12),
        Column("项目类别", lambda r: _label(Sector, r.sector), 14),
        Column("实施单位", lambda r: r.implementing_unit, 20),
        Column("基层项目", lambda r: _yes(r.grassroots), 8),
        Column("民生项目", lambda r: _yes(r.livelihood), 8),
        Column("项目状态", lambda r: _label(ProjectState, r.state), 10),
        Column("入库日期", lambda r: r.entered_on, 12, "date"),
        Column("计划开工日期", lambda r: r.planned_start_on, 12, "date"),
        Column("计划完工日期", lambda r: r.planned_end_on, 12, "date"),
        Column("批复日期", lambda r: r.approved_on, 12, "date"),
        Column("开工日期", lambda r: r.started_on, 12, "date"),
        Column("完工日期", lambda r: r.completed_on, 12, "date"),
        Column("验收日期", lambda r: r.accepted_on, 12, "date"),
        Column("移交日期", lambda r: r.handed_over_on, 12, "date"),
        Column("取消日期", lambda r: r.cancelled_on, 12, "date"),
        Column("资金来源", lambda r: _label(FundingSource, r.source), 18),
        Column("预算资金（分）", lambda r: r.budget_fen, 14, "number"),
        Column("到位资金（分）", lambda r: r.received_fen, 14, "number"),
        Column("支付资金（分）", lambda r: r.paid_fen, 14, "number"),
        Column("项目ID", lambda r: str(r.id), 38),
    ]


HEADERS = [column.header for column in columns({})]


def ledger_query(scope_prefix: str, within: str, year: int | None) -> Select[Any]:
    """Each project of the area with each of its funding lines (a project without one: one row)."""
    p, f = Project, ProjectFund
    fields: list[Any] = [
        col(p.id),
        col(p.year),
        col(p.name),
        col(p.area_code),
        col(p.sector),
        col(p.implementing_unit),
        col(p.grassroots),
        col(p.livelihood),
        col(p.state),
        col(p.entered_on),
        col(p.planned_start_on),
        col(p.planned_end_on),
        col(p.approved_on),
        col(p.started_on),
        col(p.completed_on),
        col(p.accepted_on),
        col(p.handed_over_on),
        col(p.cancelled_on),
        col(f.source),
        col(f.budget_fen),
        col(f.received_fen),
        col(f.paid_fen),
    ]
    query = (
        select(*fields)
        .outerjoin(f, col(f.project_id) == col(p.id))
        .where(in_scope(col(p.area_code), scope_prefix), in_scope(col(p.area_code), within))
    )
    if year is not None:
        query = query.where(col(p.year) == year)
    return query.order_by(col(p.area_code), col(p.year), col(p.name), col(p.id), col(f.source))


async def project_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    within: str,
    year: int | None,
    format: ledgers.Format,
) -> Response:
    """The ledger of the area ``within`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(within)
    audit_trail(session).record(
        "project.export", "project", None, area_code=area, changes={"format": format, "year": year}
    )
    rows: Sequence[Any] = (await session.execute(ledger_query(principal.scope_prefix, within, year))).all()
    names = await area_names(request, {row.area_code for row in rows})

    async def partitions() -> AsyncIterator[Sequence[Any]]:
        yield rows

    name = f"projects-{area}" + (f"-{year}" if year is not None else "")
    return ledgers.ledger_file(name, format, SHEET_NAME, columns(names), partitions())
