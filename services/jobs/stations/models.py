"""The stations jobs learned from projects (the DDL, constraints included, is in migration 0011)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.jobs.shared import SCHEMA


class KnownStation(SQLModel, table=True):
    """A station as projects last described it (``station.registered`` / ``station.changed``)."""

    __tablename__ = "stations"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # projects' station id
    asset_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the village it stands in
    name: str = column(String(200), nullable=False)
    learned_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class StationAllocation(SQLModel, table=True):
    """What projects allocated to post wages from a station-month's revenue (``revenue_allocated``)."""

    __tablename__ = "station_allocations"
    __table_args__ = {"schema": SCHEMA}

    station_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    month: date = column(Date, primary_key=True, nullable=False)
    area_code: str = column(String(12), nullable=False)
    posts_fen: int = column(BigInteger, nullable=False)
    updated_at: datetime = timestamp()
