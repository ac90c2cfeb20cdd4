"""Training tables (the DDL, constraints included, is in migration 0005)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, LargeBinary, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.jobs.shared import SCHEMA


class TrainingCourse(SQLModel, table=True):
    """A skills course (技能培训) organised in an area: who teaches what, when, for how many."""

    __tablename__ = "training_courses"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)  # where it is organised (village, town, county)
    title: str = column(String(100), nullable=False)
    provider: str = column(String(100), nullable=False)
    skill: str = column(String(50), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    capacity: int | None = column(Integer)  # none: as many as sign up
    note: str | None = column(String(500))
    request_sha256: bytes | None = column(LargeBinary)  # the create request's digest (for its retries)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class Enrolment(SQLModel, table=True):
    """One person on one course, from signing up to completing (or dropping out) and a job found."""

    __tablename__ = "training_enrolments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    course_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the person's village when enrolled
    enrolled_on: date = column(Date, nullable=False)
    state: str = column(String(16), nullable=False)
    completed_on: date | None = column(Date)
    certificate_no: str | None = column(String(64))
    dropped_on: date | None = column(Date)
    drop_reason: str | None = column(String(200))
    # The job found after the course (就业安置): where, with whom, from when, for how much.
    employer: str | None = column(String(100))
    place: str | None = column(String(100))
    place_code: str | None = column(String(12))
    placed_on: date | None = column(Date)
    monthly_income: Decimal | None = column(Numeric(12, 2))
    # The person left that job (its employment record is then followed by one of not working).
    left_on: date | None = column(Date)
    leave_reason: str | None = column(String(200))
    request_sha256: bytes | None = column(LargeBinary)  # the create request's digest (for its retries)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)
