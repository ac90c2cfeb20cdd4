"""The employment record table (the DDL, constraints included, is in migration 0004)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, LargeBinary, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.jobs.shared import SCHEMA


class EmploymentRecord(SQLModel, table=True):
    """What was known on ``reported_on`` about one person's work. Rows are only ever added: a change or
    a correction is a new record, so every past state can be read back.

    Status as of a date D is the person's record with the latest ``reported_on`` on or before D; among
    records of the same day, the one that arrived last (``seq``: arrival order, which also orders the
    items of one batch, whose ``created_at`` is the same). A record's ``ended_on`` is what was known
    about the job's end; it changes no status by itself: coming home is recorded as a new record.
    """

    __tablename__ = "employment_records"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    seq: int = column(BigInteger, nullable=False)  # arrival order (set by the database)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the household's village when recorded
    household_category: str = column(String(16), nullable=False)  # the registry's, when recorded
    monitoring_type: str | None = column(String(24))  # a 监测户's type then (unstable, marginal …)
    status: str = column(String(32), nullable=False)
    place_code: str | None = column(String(12))
    place_name: str | None = column(String(100))
    employer: str | None = column(String(100))
    industry: str | None = column(String(50))
    started_on: date | None = column(Date)
    ended_on: date | None = column(Date)
    monthly_income: Decimal | None = column(Numeric(12, 2))
    source: str = column(String(16), nullable=False)
    reported_on: date = column(Date, nullable=False)
    job_intention: str | None = column(String(200))
    training_wanted: str | None = column(String(200))
    note: str | None = column(String(500))
    content_sha256: bytes = column(LargeBinary, nullable=False)
    recorded_by: str = column(String(64), nullable=False)
    recorded_by_name: str = column(String(100), nullable=False)
    created_at: datetime = timestamp()
