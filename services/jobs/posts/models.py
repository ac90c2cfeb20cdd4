"""Public-welfare post tables (the DDL, constraints included, is in migration 0005)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, LargeBinary, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.jobs.shared import SCHEMA


class WelfarePost(SQLModel, table=True):
    """A public-welfare post (公益岗) of a village or town: what the work is, who pays, how many places."""

    __tablename__ = "welfare_posts"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID when it sent one: a retry is recognised
    area_code: str = column(String(12), nullable=False)
    title: str = column(String(100), nullable=False)
    post_type: str = column(String(24), nullable=False)
    funding_source: str = column(String(16), nullable=False)
    station_id: uuid.UUID | None = column(UUID(as_uuid=True))  # the photovoltaic station whose revenue pays
    station_note: str | None = column(String(100))  # the station as typed before ids (read-only)
    monthly_subsidy: Decimal = column(Numeric(12, 2), nullable=False)
    capacity: int = column(Integer, nullable=False)  # places: people who may hold it at once
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    note: str | None = column(String(500))
    request_sha256: bytes | None = column(LargeBinary)  # the create request's digest (for its retries)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class PostAssignment(SQLModel, table=True):
    """One person holding one place of a post for a period (``ends_on`` inclusive; none: open)."""

    __tablename__ = "post_assignments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    post_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the person's village when assigned
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    end_reason: str | None = column(String(200))
    ended_by: str | None = column(String(64))
    ended_at: datetime | None = column(DateTime(timezone=True))
    request_sha256: bytes | None = column(LargeBinary)  # the create request's digest (for its retries)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
