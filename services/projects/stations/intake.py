"""Generation readings in: the provincial PV monitoring system's feed (光伏监测平台, a batch) or a
county office's entry (one), each kept once by its sender's record id (services/common/intake), each
answered alone. What a new reading raises: its alarm record's 运行告警, and 低效运行 when it makes its
station's month whole and the month is low (``alarms.AlarmService.judge``)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.projects.codes import AlarmKind, ReadingPeriod
from services.projects.stations.alarms import AlarmService, month_bounds
from services.projects.stations.models import Station, StationReading
from services.projects.stations.repository import StationRepository
from services.projects.stations.schemas import ReadingBatchResult, ReadingIn, ReadingResult
from services.projects.stations.service import not_in_future


@dataclass(eq=False)
class _Reading(Entry):
    item: ReadingIn
    station: Station | None = None
    row: dict[str, Any] = field(default_factory=dict)
    raised: list[AlarmKind] = field(default_factory=list)


class ReadingIntake(BatchIntake[_Reading, ReadingResult]):
    model = ReadingIn
    result_model = ReadingResult
    entry_type = _Reading
    key_field = "record_id"  # the sender's own id, unique per sender
    items_field = "readings"
    invalid_detail = "Reading {index} is not valid"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = StationRepository(session)

    async def take(self, raws: list[Any], principal: Principal) -> ReadingBatchResult:
        items = await self.answer_items(raws, principal)
        return ReadingBatchResult(**summary(items), items=items)

    def check(self, item: ReadingIn, loc: list[str | int]) -> None:
        not_in_future(item.day, [*loc, "day"])
        if item.period is ReadingPeriod.month and month_bounds(item.day)[1] > china_today():
            raise ValidationFailed.field(
                [*loc, "day"],
                f"{item.day:%Y-%m} has not ended: its month reading comes after",
                "month_not_ended",
            )

    def raw_key(self, raw: Any) -> str | None:
        if isinstance(raw, ReadingIn):
            return raw.record_id
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return record_id if isinstance(record_id, str) and len(record_id) <= 64 else None

    def digest(self, entry: _Reading) -> bytes:
        content = entry.item.model_dump(mode="json")
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()

    def conflict(self, key: str) -> Conflict:
        return Conflict(f"Record {key} was already received with other content", code="record_id_in_use")

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        return await self.repository.stored_readings(self.principal.id, keys)

    async def admit(self, entries: list[_Reading], refuse: Refuse) -> None:
        """Each reading's station, in the sender's area, on the grid by the day; its day not read yet."""
        stations = await self.repository.many(
            list({e.item.station_id for e in entries}), self.principal.scope_prefix
        )
        taken = await self.repository.days_read(
            [(e.item.station_id, e.item.period.value, e.item.day) for e in entries]
        )
        for e in sorted(entries, key=lambda e: e.index):  # of two readings of one day, the first is kept
            station, period = stations.get(e.item.station_id), e.item.period.value
            mine = (self.principal.id, str(e.key))
            if station is None:
                no_station = f"No station {e.item.station_id}"
                refuse(e, ValidationFailed.field([*e.loc, "station_id"], no_station, "station_not_found"))
                continue
            on_grid = station.grid_connected_on
            if e.item.day < (on_grid.replace(day=1) if period == "month" else on_grid):
                early = "The day is before the station's grid connection"
                refuse(e, ValidationFailed.field([*e.loc, "day"], early, "date_too_early"))
            elif taken.get((station.id, period, e.item.day), mine) != mine:
                read = f"Station {station.id} has a {period} reading of {e.item.day} already"
                refuse(e, Conflict(read, code="reading_exists"))
            else:  # a day this very record took (a copy of this request committed since) is left to the key
                taken[(station.id, period, e.item.day)] = mine
            e.station = station

    async def insert(self, entries: list[_Reading]) -> set[str]:
        rows = [self._row(e) for e in sorted(entries, key=lambda e: str(e.key))]
        return await self.repository.insert_readings(rows)

    def _row(self, e: _Reading) -> dict[str, Any]:
        assert e.station is not None
        alarm = e.item.alarm
        e.row = {
            "id": new_id(),
            "sender_id": self.principal.id,
            "record_id": e.key,
            "content_sha256": e.digest,
            "station_id": e.station.id,
            "area_code": e.station.area_code,
            "period": e.item.period.value,
            "day": e.item.day,
            "kwh": e.item.kwh,
            "alarm_code": alarm.code if alarm else None,
            "alarm_text": alarm.text if alarm else None,
        }
        return e.row

    async def created(self, entries: list[_Reading]) -> None:
        """Alarm records raise 运行告警; each station-month a reading touched is judged if whole (the
        month's last reading in the batch carries the 低效运行 it raised)."""
        alarms = AlarmService(self.session)
        last_of_month: dict[tuple[uuid.UUID, date], _Reading] = {}
        for e in sorted(entries, key=lambda e: e.index):
            assert e.station is not None
            if e.item.alarm is not None:
                reading = StationReading(**e.row)
                if await alarms.from_reading(e.station, reading, self.principal.id):
                    e.raised.append(AlarmKind.operation)
            last_of_month[(e.station.id, e.item.day.replace(day=1))] = e
        for (_, month), e in sorted(last_of_month.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            assert e.station is not None
            if await alarms.judge(e.station, month, self.principal.id, whole_only=True):
                e.raised.append(AlarmKind.low_output)

    def created_fields(self, entry: _Reading) -> dict[str, Any]:
        return {"raised": entry.raised}
