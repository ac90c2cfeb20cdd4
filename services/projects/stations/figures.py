"""Station figures of an area on a date (光伏电站运行情况): stations on the grid and their capacity, the
date's month's output so far and its low-output months, alarms open on the date by kind, and the year's
revenue and its allocation. Counted from the tables: a county has tens of stations, not thousands."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.area_codes import prefix_of
from services.common.scope import in_scope
from services.projects.codes import AlarmKind
from services.projects.stations.models import (
    Station,
    StationAlarm,
    StationMonth,
    StationReading,
    StationRevenue,
)


class StationStats(BaseModel):
    area_code: str
    as_of: date
    stations: int = Field(description="Stations connected to the grid by the date")
    capacity_kw: int = Field(description="Their installed capacity, kW")
    month: date = Field(description="The date's month (its first day)")
    month_output_kwh: int = Field(description="Output read in the month up to the date, kWh")
    low_output_stations: int = Field(description="Stations whose month was judged low (低效运行)")
    open_alarms: dict[AlarmKind, int] = Field(
        description="Alarms raised by the date and not fixed on it, by kind"
    )
    revenue_fen: int = Field(description="Revenue of the date's year up to its month, fen")
    to_posts_fen: int
    to_households_fen: int
    to_village_fen: int


async def station_stats(session: AsyncSession, area: str, day: date) -> StationStats:
    prefix, month = prefix_of(area), day.replace(day=1)
    stations = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(col(Station.capacity_kw)), 0)).where(
                in_scope(col(Station.area_code), prefix), col(Station.grid_connected_on) <= day
            )
        )
    ).one()
    # A station's month: its own month reading where there is one, else its day readings so far.
    per_station = (
        select(
            col(StationReading.station_id),
            func.coalesce(
                func.sum(case((col(StationReading.period) == "month", col(StationReading.kwh)))),
                func.sum(case((col(StationReading.period) == "day", col(StationReading.kwh)))),
            ).label("kwh"),
        )
        .where(
            in_scope(col(StationReading.area_code), prefix),
            col(StationReading.day) >= month,
            col(StationReading.day) <= day,
        )
        .group_by(col(StationReading.station_id))
        .subquery()
    )
    output = (await session.execute(select(func.coalesce(func.sum(per_station.c.kwh), 0)))).scalar_one()
    low = (
        await session.execute(
            select(func.count()).where(
                in_scope(col(StationMonth.area_code), prefix),
                col(StationMonth.month) == month,
                col(StationMonth.low),
            )
        )
    ).scalar_one()
    alarms = await session.execute(
        select(col(StationAlarm.kind), func.count())
        .where(
            in_scope(col(StationAlarm.area_code), prefix),
            col(StationAlarm.raised_on) <= day,
            or_(col(StationAlarm.fixed_on).is_(None), col(StationAlarm.fixed_on) > day),
        )
        .group_by(col(StationAlarm.kind))
    )
    by_kind = {AlarmKind(kind): int(n) for kind, n in alarms.all()}
    money = (
        await session.execute(
            select(
                *(
                    func.coalesce(func.sum(col(getattr(StationRevenue, name))), 0)
                    for name in ("revenue_fen", "to_posts_fen", "to_households_fen", "to_village_fen")
                )
            ).where(
                in_scope(col(StationRevenue.area_code), prefix),
                and_(col(StationRevenue.month) >= date(day.year, 1, 1), col(StationRevenue.month) <= month),
            )
        )
    ).one()
    return StationStats(
        area_code=area,
        as_of=day,
        stations=int(stations[0]),
        capacity_kw=int(stations[1]),
        month=month,
        month_output_kwh=int(output),
        low_output_stations=int(low),
        open_alarms={kind: by_kind.get(kind, 0) for kind in AlarmKind},
        revenue_fen=int(money[0]),
        to_posts_fen=int(money[1]),
        to_households_fen=int(money[2]),
        to_village_fen=int(money[3]),
    )
