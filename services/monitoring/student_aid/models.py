"""The student aid table (the DDL, constraints included, is in migration 0021). Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.monitoring.models import SCHEMA


class StudentAid(SQLModel, table=True):
    """One payment owed to a student (or, kind ``loan``, one student loan), by its sender's record id."""

    __tablename__ = "student_aid"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    sender_id: str = column(String(64), nullable=False)
    record_id: str = column(String(64), nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    kind: str = column(String(16), nullable=False)
    school_year: int = column(SmallInteger, nullable=False)
    term: int | None = column(SmallInteger)
    amount_fen: int = column(BigInteger, nullable=False)
    school: str | None = column(String(100))
    paid_on: date | None = column(Date)
    notice_delivered_on: date | None = column(Date)
    version: int = column(Integer, nullable=False, default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
