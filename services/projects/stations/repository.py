"""The stations' SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.stations.models import (
    Station,
    StationAlarm,
    StationExpectation,
    StationMonth,
    StationReading,
    StationRevenue,
)


class StationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Stations ------------------------------------------------------------------------------------

    async def get(self, station_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Station | None:
        query = select(Station).where(
            col(Station.id) == station_id, in_scope(col(Station.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_anywhere(self, station_id: uuid.UUID) -> Station | None:
        """For a retry's check only."""
        return await self.session.get(Station, station_id)

    async def many(self, station_ids: Sequence[uuid.UUID], scope_prefix: str) -> dict[uuid.UUID, Station]:
        rows = await self.session.execute(
            select(Station).where(
                col(Station.id).in_(station_ids), in_scope(col(Station.area_code), scope_prefix)
            )
        )
        return {s.id: s for s in rows.scalars()}

    async def of_asset(self, asset_id: uuid.UUID) -> Station | None:
        query = select(Station).where(col(Station.asset_id) == asset_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def insert(self, values: dict[str, Any]) -> bool:
        """False when the id (or the asset) is taken: a retry, or a race's loser."""
        inserted = await self.session.execute(
            insert(table_of(Station))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(Station).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def page(
        self, scope_prefix: str, within: str, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Station]:
        query = select(Station).where(
            in_scope(col(Station.area_code), scope_prefix), in_scope(col(Station.area_code), within)
        )
        if after is not None:
            query = query.where(col(Station.id) > after)
        return (await self.session.execute(query.order_by(col(Station.id)).limit(limit))).scalars().all()

    # Readings ------------------------------------------------------------------------------------

    async def stored_readings(self, sender_id: str, record_ids: list[str]) -> dict[str, bytes]:
        rows = await self.session.execute(
            select(col(StationReading.record_id), col(StationReading.content_sha256)).where(
                col(StationReading.sender_id) == sender_id, col(StationReading.record_id).in_(record_ids)
            )
        )
        return {r.record_id: r.content_sha256 for r in rows}

    async def days_read(
        self, keys: list[tuple[uuid.UUID, str, date]]
    ) -> dict[tuple[uuid.UUID, str, date], tuple[str, str]]:
        """Which of these (station, period, day) have a reading already: its sender and record id."""
        rows = await self.session.execute(
            select(
                col(StationReading.station_id),
                col(StationReading.period),
                col(StationReading.day),
                col(StationReading.sender_id),
                col(StationReading.record_id),
            ).where(
                tuple_(
                    col(StationReading.station_id), col(StationReading.period), col(StationReading.day)
                ).in_(keys)
            )
        )
        return {(r.station_id, r.period, r.day): (r.sender_id, r.record_id) for r in rows}

    async def insert_readings(self, rows: list[dict[str, Any]]) -> set[str]:
        """The record ids inserted; a record id or a station-day taken is skipped."""
        statement = (
            insert(table_of(StationReading))
            .values(rows)
            .on_conflict_do_nothing()
            .returning(table_of(StationReading).c.record_id)
        )
        return set((await self.session.execute(statement)).scalars())

    async def readings_of(self, station_id: uuid.UUID, start: date, end: date) -> Sequence[StationReading]:
        query = (
            select(StationReading)
            .where(
                col(StationReading.station_id) == station_id,
                col(StationReading.day) >= start,
                col(StationReading.day) < end,
            )
            .order_by(col(StationReading.day), col(StationReading.period))
        )
        return (await self.session.execute(query)).scalars().all()

    async def month_output(
        self, station_id: uuid.UUID, start: date, end: date
    ) -> tuple[int | None, int, int]:
        """The month's own reading (None: none), the sum of its day readings and how many days are read."""
        rows = await self.session.execute(
            select(
                col(StationReading.period),
                func.sum(col(StationReading.kwh)).label("kwh"),
                func.count().label("days"),
            )
            .where(
                col(StationReading.station_id) == station_id,
                col(StationReading.day) >= start,
                col(StationReading.day) < end,
            )
            .group_by(col(StationReading.period))
        )
        by_period = {r.period: (int(r.kwh), int(r.days)) for r in rows}
        month = by_period.get("month")
        day_kwh, days = by_period.get("day", (0, 0))
        return (month[0] if month else None), day_kwh, days

    async def read_in(self, scope_prefix: str, start: date, end: date) -> Sequence[Station]:
        """Stations in the area with a reading in [start, end) whose month is not judged yet."""
        judged = select(col(StationMonth.station_id)).where(
            col(StationMonth.station_id) == col(Station.id), col(StationMonth.month) == start
        )
        read = select(col(StationReading.station_id)).where(
            col(StationReading.station_id) == col(Station.id),
            col(StationReading.day) >= start,
            col(StationReading.day) < end,
        )
        query = select(Station).where(
            in_scope(col(Station.area_code), scope_prefix), read.exists(), ~judged.exists()
        )
        return (await self.session.execute(query.order_by(col(Station.id)))).scalars().all()

    # Judged months and expected output -------------------------------------------------------------

    async def insert_month(self, values: dict[str, Any]) -> bool:
        """False when the station-month was judged already."""
        inserted = await self.session.execute(
            insert(table_of(StationMonth))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(StationMonth).c.month)
        )
        return inserted.scalar_one_or_none() is not None

    async def months_of(self, station_id: uuid.UUID) -> Sequence[StationMonth]:
        query = (
            select(StationMonth)
            .where(col(StationMonth.station_id) == station_id)
            .order_by(col(StationMonth.month))
        )
        return (await self.session.execute(query)).scalars().all()

    async def expectations(self, area_codes: Sequence[str]) -> dict[str, StationExpectation]:
        rows = await self.session.execute(
            select(StationExpectation).where(col(StationExpectation.area_code).in_(area_codes))
        )
        return {e.area_code: e for e in rows.scalars()}

    async def set_expectation(self, values: dict[str, Any]) -> None:
        statement = insert(table_of(StationExpectation)).values(**values, updated_at=func.now())
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["area_code"],
                set_={
                    name: statement.excluded[name]
                    for name in ("kwh_per_kw", "low_share_pct", "updated_by", "updated_at")
                },
            )
        )

    # Alarms --------------------------------------------------------------------------------------

    async def insert_alarm(self, values: dict[str, Any]) -> bool:
        """False when the alarm is raised already (its id, its reading or its station-month)."""
        inserted = await self.session.execute(
            insert(table_of(StationAlarm))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(StationAlarm).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def alarm(
        self, alarm_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> StationAlarm | None:
        query = select(StationAlarm).where(
            col(StationAlarm.id) == alarm_id, in_scope(col(StationAlarm.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def alarm_anywhere(self, alarm_id: uuid.UUID) -> StationAlarm | None:
        return await self.session.get(StationAlarm, alarm_id)

    async def alarms(
        self,
        scope_prefix: str,
        within: str,
        *,
        station_id: uuid.UUID | None,
        kind: str | None,
        state: str | None,
        overdue_on: date | None = None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[StationAlarm]:
        query = select(StationAlarm).where(
            in_scope(col(StationAlarm.area_code), scope_prefix), in_scope(col(StationAlarm.area_code), within)
        )
        for column, value in (
            (StationAlarm.station_id, station_id),
            (StationAlarm.kind, kind),
            (StationAlarm.state, state),
        ):
            if value is not None:
                query = query.where(col(column) == value)
        if overdue_on is not None:  # not fixed on the day, its deadline passed
            query = query.where(
                col(StationAlarm.due_on) < overdue_on,
                or_(col(StationAlarm.fixed_on).is_(None), col(StationAlarm.fixed_on) > overdue_on),
            )
        if after is not None:
            query = query.where(col(StationAlarm.id) > after)
        return (await self.session.execute(query.order_by(col(StationAlarm.id)).limit(limit))).scalars().all()

    async def open_alarms(self, station_id: uuid.UUID) -> int:
        count = await self.session.execute(
            select(func.count()).where(
                col(StationAlarm.station_id) == station_id, col(StationAlarm.state) != "fixed"
            )
        )
        return int(count.scalar_one())

    # Revenue -------------------------------------------------------------------------------------

    async def revenue(self, station_id: uuid.UUID, month: date) -> StationRevenue | None:
        query = (
            select(StationRevenue)
            .where(col(StationRevenue.station_id) == station_id, col(StationRevenue.month) == month)
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def set_revenue(self, values: dict[str, Any]) -> None:
        statement = insert(table_of(StationRevenue)).values(**values, updated_at=func.now())
        names = (
            "revenue_fen",
            "to_posts_fen",
            "to_households_fen",
            "to_village_fen",
            "updated_by",
            "updated_at",
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["station_id", "month"], set_={n: statement.excluded[n] for n in names}
            )
        )

    async def revenues_of(self, station_id: uuid.UUID) -> Sequence[StationRevenue]:
        query = (
            select(StationRevenue)
            .where(col(StationRevenue.station_id) == station_id)
            .order_by(col(StationRevenue.month))
        )
        return (await self.session.execute(query)).scalars().all()
