"""Monitoring tables (schema ``monitoring``). The DDL, constraints included, is in the migrations."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Integer, LargeBinary, Numeric, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from services.common.columns import column, timestamp, uuid_pk

SCHEMA = "monitoring"


class ThresholdVersion(SQLModel, table=True):
    """The lines and intervals an area set for a year; never changed, only superseded by a new version."""

    __tablename__ = "thresholds"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    year: int = column(SmallInteger, nullable=False)
    version: int = column(Integer, nullable=False)
    income_line: Decimal = column(Numeric(12, 2), nullable=False)
    large_expense_line: Decimal = column(Numeric(12, 2), nullable=False)
    visit_interval_days: int = column(Integer, nullable=False)
    exit_waiting_days: int = column(Integer, nullable=False)
    alert_decision_days: int = column(Integer, nullable=False)
    note: str | None = column(Text)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class Inspection(SQLModel, table=True):
    """One door-to-door visit (入户排查), as the phone recorded it, with what the rules found."""

    __tablename__ = "inspections"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the phone's UUID
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    inspector_id: str = column(String(64), nullable=False)
    inspector_name: str = column(String(100), nullable=False)
    visited_at: datetime = column(DateTime(timezone=True), nullable=False)
    latitude: float | None = column(Float)
    longitude: float | None = column(Float)
    answers: dict[str, Any] = column(JSONB, nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    findings: list[dict[str, Any]] = column(JSONB, nullable=False)
    ruleset_version: str = column(String(16), nullable=False)
    threshold_id: uuid.UUID | None = column(UUID(as_uuid=True))
    superseded: bool = Field(default=False)  # a later visit of the household had already arrived
    received_at: datetime = timestamp()


class Alert(SQLModel, table=True):
    """A household at risk for one reason (预警); repeats of the same risk attach to the live alert."""

    __tablename__ = "alerts"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    risk_code: str = column(String(32), nullable=False)
    severity: str = column(String(8), nullable=False)
    state: str = column(String(16), nullable=False)
    reason: str = column(Text, nullable=False)  # the latest signal's reason
    signals: int = column(Integer, nullable=False)
    first_raised_at: datetime = column(DateTime(timezone=True), nullable=False)
    last_raised_at: datetime = column(DateTime(timezone=True), nullable=False)
    handled_by: str | None = column(String(64))
    handled_at: datetime | None = column(DateTime(timezone=True))
    dismissal_reason: str | None = column(Text)
    version: int = column(Integer, nullable=False, default=1)


class AlertSignal(SQLModel, table=True):
    """One finding that raised or repeated an alert, with where it came from."""

    __tablename__ = "alert_signals"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(
        default=None, sa_column_kwargs={"autoincrement": True}, primary_key=True, sa_type=BigInteger
    )
    alert_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    source: str = column(String(16), nullable=False)
    source_id: str = column(String(64), nullable=False)
    severity: str = column(String(8), nullable=False)
    reason: str = column(Text, nullable=False)
    rule_version: str = column(String(32), nullable=False)
    threshold_id: uuid.UUID | None = column(UUID(as_uuid=True))
    threshold_version: int | None = column(Integer)
    raised_at: datetime = column(DateTime(timezone=True), nullable=False)
