"""The stations' tables (the DDL, constraints included, is in migration 0003). Money is integer fen,
capacity whole kW, output whole kWh; a month is the date of its first day."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, Date, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class Station(SQLModel, table=True):
    __tablename__ = "stations"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    asset_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the village it stands in
    name: str = column(String(200), nullable=False)
    capacity_kw: int = column(Integer, nullable=False)
    grid_connected_on: date = column(Date, nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class StationReading(SQLModel, table=True):
    __tablename__ = "station_readings"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    sender_id: str = column(String(64), nullable=False)
    record_id: str = column(String(64), nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    station_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    period: str = column(String(8), nullable=False)
    day: date = column(Date, nullable=False)
    kwh: int = column(Integer, nullable=False)
    alarm_code: str | None = column(String(32))
    alarm_text: str | None = column(String(500))
    created_at: datetime = timestamp()


class StationExpectation(SQLModel, table=True):
    __tablename__ = "station_expectations"
    __table_args__ = {"schema": SCHEMA}

    area_code: str = column(String(12), primary_key=True, nullable=False)
    kwh_per_kw: list[int] = column(ARRAY(SmallInteger), nullable=False)
    low_share_pct: int = column(SmallInteger, nullable=False)
    updated_by: str = column(String(64), nullable=False)
    updated_at: datetime = timestamp()


class StationMonth(SQLModel, table=True):
    """A station-month's output as judged, once."""

    __tablename__ = "station_months"
    __table_args__ = {"schema": SCHEMA}

    station_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    month: date = column(Date, primary_key=True, nullable=False)
    area_code: str = column(String(12), nullable=False)
    output_kwh: int = column(BigInteger, nullable=False)
    expected_kwh: int = column(BigInteger, nullable=False)
    low_share_pct: int = column(SmallInteger, nullable=False)
    low: bool = column(Boolean, nullable=False)
    judged_at: datetime = timestamp()


class StationAlarm(SQLModel, table=True):
    __tablename__ = "station_alarms"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    station_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    kind: str = column(String(16), nullable=False)
    state: str = column(String(8), nullable=False)
    raised_on: date = column(Date, nullable=False)
    due_on: date = column(Date, nullable=False)
    code: str | None = column(String(32))
    text: str = column(String(1000), nullable=False)
    month: date | None = column(Date)
    reading_id: uuid.UUID | None = column(UUID(as_uuid=True))
    photo_refs: list[str] | None = column(ARRAY(String(200)))
    request_sha256: bytes | None = column(LargeBinary)
    fixing_on: date | None = column(Date)
    fixed_on: date | None = column(Date)
    note: str | None = column(String(500))
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class StationRevenue(SQLModel, table=True):
    __tablename__ = "station_revenues"
    __table_args__ = {"schema": SCHEMA}

    station_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    month: date = column(Date, primary_key=True, nullable=False)
    area_code: str = column(String(12), nullable=False)
    revenue_fen: int = column(BigInteger, nullable=False)
    to_posts_fen: int = column(BigInteger, nullable=False, default=0)
    to_households_fen: int = column(BigInteger, nullable=False, default=0)
    to_village_fen: int = column(BigInteger, nullable=False, default=0)
    updated_by: str = column(String(64), nullable=False)
    updated_at: datetime = timestamp()
