"""Stations, their readings, alarms, expected output and revenue: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version, whole
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText
from services.projects.codes import AlarmAction, AlarmKind, AlarmState, ReadingPeriod
from services.projects.schemas import Fen, Name

MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="A month, YYYY-MM")]
Kw = Annotated[int, *whole(1, 1_000_000)]
Kwh = Annotated[int, *whole(0, 100_000_000)]
Ref = Annotated[NonBlankText, Field(max_length=200)]
Text = Annotated[NonBlankText, Field(max_length=1000)]


def month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


class StationCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    asset_id: uuid.UUID = Field(description="The operating asset (经营性资产) the station is, in your area")
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN, description="The village it stands in: the asset's area or below it"
    )
    name: Name
    capacity_kw: Kw = Field(description="Installed capacity, whole kW")
    grid_connected_on: IsoDate = Field(
        description="The day it was connected to the grid (并网); not in the future"
    )


class StationUpdate(StrictBody):
    base_version: Version
    name: Name | None = None
    capacity_kw: Kw | None = None
    grid_connected_on: IsoDate | None = None


class StationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    area_code: str
    name: str
    capacity_kw: int
    grid_connected_on: date
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class FeedAlarm(StrictBody):
    code: Annotated[NonBlankText, Field(max_length=32, description="The monitoring system's alarm code")]
    text: Annotated[NonBlankText, Field(max_length=500, description="What it says (运行告警)")]


class ReadingIn(StrictBody):
    """One generation reading: a day's or a month's output of a station, perhaps with an alarm."""

    record_id: Annotated[
        NonBlankText,
        Field(max_length=64, description="The sender's own id of the record (a retry repeats it)"),
    ]
    station_id: uuid.UUID = Field(description="A station in your area")
    period: ReadingPeriod = Field(description=ReadingPeriod.describe())
    day: IsoDate = Field(description="The day read; for a month's reading, the month's first day")
    kwh: Kwh = Field(description="Output, whole kWh")
    alarm: FeedAlarm | None = Field(
        default=None, description="An alarm record (运行告警) the reading carries"
    )

    @model_validator(mode="after")
    def _month_on_its_first(self) -> ReadingIn:
        if self.period is ReadingPeriod.month and self.day.day != 1:
            raise ValueError("a month's reading is dated the month's first day")
        return self


# Each item is checked alone (a bad one is answered invalid, never fatal to the batch).
ReadingItem = Annotated[dict[str, Any], CheckedAlone(ReadingIn)]


class ReadingBatch(StrictBody):
    readings: list[ReadingItem] = Field(min_length=1, max_length=1000)


class ReadingResult(BaseModel):
    index: int
    record_id: str | None = None
    status: Literal["created", "duplicate", "conflict", "invalid"]
    raised: list[AlarmKind] = Field(default=[], description="The alarms this reading raised")
    error: dict | None = None


class ReadingBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[ReadingResult]


class ReadingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    record_id: str
    station_id: uuid.UUID
    period: ReadingPeriod
    day: date
    kwh: int
    alarm_code: str | None
    alarm_text: str | None


class FaultReport(StrictBody):
    """Damage or a fault seen at the station (故障损毁), reported from a phone, perhaps offline."""

    id: uuid.UUID = Field(description="The phone's UUID of the report: sent again, it is the same report")
    reported_on: IsoDate = Field(description="The day it was seen; not in the future")
    text: Text
    photo_refs: list[Ref] = Field(min_length=1, max_length=10, description="References to its photos")


class AlarmActionBody(StrictBody):
    action: AlarmAction = Field(description=AlarmAction.describe())
    on: IsoDate = Field(description="The day; not in the future, not before the alarm")
    due_on: IsoDate | None = Field(default=None, description="start_fixing: a new deadline, if it moves")
    note: Annotated[NonBlankText, Field(max_length=500)] | None = Field(
        default=None, description="What was done"
    )


class AlarmRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    station_id: uuid.UUID
    area_code: str
    kind: AlarmKind
    state: AlarmState
    raised_on: date
    due_on: date
    code: str | None
    text: str
    month: date | None
    reading_id: uuid.UUID | None
    photo_refs: list[str] | None
    fixing_on: date | None
    fixed_on: date | None
    note: str | None
    created_by: str
    version: int
    actions: list[AlarmAction] = Field(default=[], description="What you may do with it now")


class EvaluateBody(StrictBody):
    month: Month = Field(
        description="A month that has ended: each station in your area with readings in it "
        "and not yet judged is judged on what it has"
    )


class EvaluateResult(BaseModel):
    judged: int = Field(description="Station-months judged now (each is judged once)")
    raised: int = Field(description="低效运行 alarms raised")


class ExpectationSet(StrictBody):
    kwh_per_kw: list[Annotated[int, *whole(1, 999)]] = Field(
        min_length=12, max_length=12, description="Expected output per kW of each month, January first"
    )
    low_share_pct: Annotated[int, *whole(1, 100)] = Field(
        default=60, description="A month below this share (%) of its expected output is 低效运行"
    )


class ExpectationRead(BaseModel):
    area_code: str = Field(description="The area asked about")
    set_at: str | None = Field(description="The area whose setting applies; null: the default table")
    kwh_per_kw: list[int]
    low_share_pct: int


class RevenueSet(StrictBody):
    revenue_fen: Fen = Field(description="The month's revenue (发电收益), in fen")
    to_posts_fen: Fen = Field(default=0, description="Allocated to public-welfare post wages (公益岗位工资)")
    to_households_fen: Fen = Field(default=0, description="Allocated to households (分红到户)")
    to_village_fen: Fen = Field(default=0, description="Allocated to the village collective (村集体)")


class RevenueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: date
    revenue_fen: int
    to_posts_fen: int
    to_households_fen: int
    to_village_fen: int


class MonthRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: date
    output_kwh: int
    expected_kwh: int
    low_share_pct: int
    low: bool


class StationDetail(StationRead):
    months: list[MonthRead] = Field(default=[], description="Months judged: output against expected")
    revenues: list[RevenueRead] = []
    open_alarms: int = Field(default=0, description="Alarms not yet fixed")
