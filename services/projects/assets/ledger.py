"""The asset ledger (资产台账): one row per asset in the area — its area (code and name), kind, value in
fen, forming, title (确权) and upkeep owner (管护), state, its latest yearly check (核查清算) and its
income over the years (recorded, noticed for distribution, distributed). Written from one read, as the
station ledger is; the area names come from the registry first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import BigInteger, Select, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.division_names import name_of
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.projects.assets.models import Asset, AssetCheck, AssetIncome
from services.projects.codes import AssetKind, AssetState, CheckResult, OwnerType
from services.projects.registry import area_names

SHEET_NAME = "资产台账"


def _label(codes: Any, value: str | None) -> str | None:
    return None if value is None else codes(value).label


def columns(areas: Mapping[str, str]) -> list[Column]:
    return [
        Column("资产名称", lambda r: r.name, 30),
        Column("区划代码", lambda r: r.area_code, 14),
        Column("区划名称", lambda r: name_of(r.area_code, areas), 12),
        Column("资产类型", lambda r: _label(AssetKind, r.kind), 12),
        Column("资产价值（分）", lambda r: r.value_fen, 14, "number"),
        Column("形成日期", lambda r: r.formed_on, 12, "date"),
        Column("确权类型", lambda r: _label(OwnerType, r.owner_type), 10),
        Column("所有权人", lambda r: r.owner_name, 20),
        Column("管护责任人", lambda r: r.upkeep_owner, 20),
        Column("资产状态", lambda r: _label(AssetState, r.state), 10),
        Column("处置日期", lambda r: r.disposed_on, 12, "date"),
        Column("最近核查年度", lambda r: r.check_year, 10, "number"),
        Column("最近核查日期", lambda r: r.checked_on, 12, "date"),
        Column("核查结果", lambda r: _label(CheckResult, r.result), 10),
        Column("核查发现问题", lambda r: r.problem, 30),
        Column("累计收益（分）", lambda r: r.income_fen, 14, "number"),
        Column("公示中待分配收益（分）", lambda r: r.pending_fen, 14, "number"),
        Column("已分配收益（分）", lambda r: r.distributed_fen, 14, "number"),
        Column("来源项目ID", lambda r: str(r.project_id) if r.project_id else None, 38),
        Column("资产ID", lambda r: str(r.id), 38),
    ]


HEADERS = [column.header for column in columns({})]


def ledger_query(scope_prefix: str, within: str) -> Select[Any]:
    """Each asset of the area with its latest check and its income summed over the years (as bigint:
    a sum is numeric, which a CSV would write as 1.2E+7)."""
    c = AssetCheck
    last = (
        select(col(c.asset_id).label("asset_id"), func.max(col(c.year)).label("year"))
        .group_by(col(c.asset_id))
        .subquery()
    )
    latest = (
        select(
            col(c.asset_id).label("asset_id"),
            col(c.year).label("year"),
            col(c.checked_on).label("checked_on"),
            col(c.result).label("result"),
            col(c.problem).label("problem"),
        )
        .join(last, and_(last.c.asset_id == col(c.asset_id), last.c.year == col(c.year)))
        .subquery()
    )
    i = AssetIncome
    income = (
        select(
            col(i.asset_id).label("asset_id"),
            cast(func.sum(col(i.income_fen)), BigInteger).label("income_fen"),
            cast(func.sum(col(i.pending_fen)), BigInteger).label("pending_fen"),
            cast(func.sum(col(i.distributed_fen)), BigInteger).label("distributed_fen"),
        )
        .group_by(col(i.asset_id))
        .subquery()
    )
    a = Asset
    fields: list[Any] = [
        col(a.id),
        col(a.project_id),
        col(a.name),
        col(a.area_code),
        col(a.kind),
        col(a.value_fen),
        col(a.formed_on),
        col(a.owner_type),
        col(a.owner_name),
        col(a.upkeep_owner),
        col(a.state),
        col(a.disposed_on),
        latest.c.year.label("check_year"),
        latest.c.checked_on,
        latest.c.result,
        latest.c.problem,
        func.coalesce(income.c.income_fen, 0).label("income_fen"),
        func.coalesce(income.c.pending_fen, 0).label("pending_fen"),
        func.coalesce(income.c.distributed_fen, 0).label("distributed_fen"),
    ]
    return (
        select(*fields)
        .outerjoin(latest, latest.c.asset_id == col(a.id))
        .outerjoin(income, income.c.asset_id == col(a.id))
        .where(in_scope(col(a.area_code), scope_prefix), in_scope(col(a.area_code), within))
        .order_by(col(a.area_code), col(a.name), col(a.id))
    )


async def asset_ledger(
    request: Request, session: AsyncSession, principal: Principal, within: str, format: ledgers.Format
) -> Response:
    """The ledger of the area ``within`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(within)
    audit_trail(session).record("asset.export", "asset", None, area_code=area, changes={"format": format})
    rows: Sequence[Any] = (await session.execute(ledger_query(principal.scope_prefix, within))).all()
    names = await area_names(request, {row.area_code for row in rows})

    async def partitions() -> AsyncIterator[Sequence[Any]]:
        yield rows

    return ledgers.ledger_file(f"assets-{area}", format, SHEET_NAME, columns(names), partitions())
