"""The station ledger (光伏电站台账): one row per station in the area, with its village (code and name),
capacity and grid date, one month's output against what was expected of it, its alarms not fixed and
the month's revenue and allocation. A county has tens of stations, so the file is written from one read
(no export job); the village names come from the registry first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Date, Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.division_names import name_of
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.projects.registry import area_names
from services.projects.stations.alarms import month_bounds
from services.projects.stations.models import (
    Station,
    StationAlarm,
    StationMonth,
    StationReading,
    StationRevenue,
)

SHEET_NAME = "光伏电站台账"


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def columns(areas: Mapping[str, str]) -> list[Column]:
    return [
        Column("电站名称", lambda r: r.name, 30),
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("装机容量（千瓦）", lambda r: r.capacity_kw, 12, "number"),
        Column("并网日期", lambda r: r.grid_connected_on, 12, "date"),
        Column("统计月份", lambda r: f"{r.month:%Y-%m}", 10),
        Column("月发电量（千瓦时）", lambda r: r.output_kwh, 14, "number"),
        Column("月预期发电量（千瓦时）", lambda r: r.expected_kwh, 14, "number"),
        Column("低效运行", lambda r: _yes(r.low), 10),
        Column("未处置告警数", lambda r: r.open_alarms, 10, "number"),
        Column("月发电收益（分）", lambda r: r.revenue_fen, 14, "number"),
        Column("公益岗位工资（分）", lambda r: r.to_posts_fen, 14, "number"),
        Column("分红到户（分）", lambda r: r.to_households_fen, 14, "number"),
        Column("村集体（分）", lambda r: r.to_village_fen, 14, "number"),
        Column("电站ID", lambda r: str(r.id), 38),
        Column("资产ID", lambda r: str(r.asset_id), 38),
    ]


HEADERS = [column.header for column in columns({})]


def ledger_query(scope_prefix: str, within: str, month: date) -> Select[Any]:
    """Each station of the area with the month's figures: its judged month where it has one, else
    what its readings add up to so far (its month reading, else its days)."""
    start, end = month_bounds(month)
    read = (
        select(
            col(StationReading.station_id).label("station_id"),
            func.coalesce(
                func.sum(case((col(StationReading.period) == "month", col(StationReading.kwh)))),
                func.sum(case((col(StationReading.period) == "day", col(StationReading.kwh)))),
            ).label("kwh"),
        )
        .where(col(StationReading.day) >= start, col(StationReading.day) < end)
        .group_by(col(StationReading.station_id))
        .subquery()
    )
    alarms = (
        select(col(StationAlarm.station_id).label("station_id"), func.count().label("open"))
        .where(col(StationAlarm.state) != "fixed")
        .group_by(col(StationAlarm.station_id))
        .subquery()
    )
    s, m, r = Station, StationMonth, StationRevenue
    fields: list[Any] = [
        col(s.id),
        col(s.asset_id),
        col(s.name),
        col(s.area_code),
        col(s.capacity_kw),
        col(s.grid_connected_on),
        literal(start, Date).label("month"),
        func.coalesce(col(m.output_kwh), read.c.kwh).label("output_kwh"),
        col(m.expected_kwh),
        col(m.low),
        func.coalesce(alarms.c.open, 0).label("open_alarms"),
        col(r.revenue_fen),
        col(r.to_posts_fen),
        col(r.to_households_fen),
        col(r.to_village_fen),
    ]
    return (
        select(*fields)
        .outerjoin(m, and_(col(m.station_id) == col(s.id), col(m.month) == start))
        .outerjoin(read, read.c.station_id == col(s.id))
        .outerjoin(alarms, alarms.c.station_id == col(s.id))
        .outerjoin(r, and_(col(r.station_id) == col(s.id), col(r.month) == start))
        .where(in_scope(col(s.area_code), scope_prefix), in_scope(col(s.area_code), within))
        .order_by(col(s.area_code), col(s.name), col(s.id))
    )


async def station_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    within: str,
    month: date,
    format: ledgers.Format,
) -> Response:
    """The ledger of the area ``within`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(within)
    audit_trail(session).record(
        "station.export",
        "station",
        None,
        area_code=area,
        changes={"format": format, "month": f"{month:%Y-%m}"},
    )
    rows: Sequence[Any] = (await session.execute(ledger_query(principal.scope_prefix, within, month))).all()
    names = await area_names(request, {row.area_code for row in rows})

    async def partitions() -> AsyncIterator[Sequence[Any]]:
        yield rows

    return ledgers.ledger_file(
        f"stations-{area}-{month:%Y-%m}", format, SHEET_NAME, columns(names), partitions()
    )
