"""Rectification items, their milestones, progress reports and steps (DDL: migration 0002)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.oversight import SCHEMA


class Rectification(SQLModel, table=True):
    """A rectification item (整改事项) in an area; ``submitted_scope`` is the area of the account that
    last submitted it, which the reviewer's must be wider than."""

    __tablename__ = "rectifications"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    source: str = column(String(20), nullable=False)
    title: str = column(String(200), nullable=False)
    problem: str = column(String(2000), nullable=False)
    measures: str = column(String(2000), nullable=False)
    unit_id: uuid.UUID | None = column(UUID(as_uuid=True))
    unit_name: str = column(String(200), nullable=False)
    person_name: str = column(String(100), nullable=False)
    person_phone: str | None = column(String(20))
    received_on: date = column(Date, nullable=False)
    deadline: date = column(Date, nullable=False)
    state: str = column(String(12), nullable=False)
    report_count: int = column(Integer, nullable=False, default=0)
    submitted_by: str | None = column(String(64))
    submitted_scope: str | None = column(String(12))
    submitted_at: datetime | None = column(DateTime(timezone=True))
    closed_by: str | None = column(String(64))
    closed_at: datetime | None = column(DateTime(timezone=True))
    closed_on: date | None = column(Date)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Milestone(SQLModel, table=True):
    """A dated step of an item's plan (篇4: received 3/11 → draft 3/16 → due 3/30)."""

    __tablename__ = "rectification_milestones"
    __table_args__ = {"schema": SCHEMA}

    item_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    position: int = column(SmallInteger, primary_key=True, nullable=False)
    label: str = column(String(100), nullable=False)
    due_on: date = column(Date, nullable=False)
    done_on: date | None = column(Date)


class ProgressReport(SQLModel, table=True):
    """A progress report (整改进展) with its evidence: text and photo or attachment references."""

    __tablename__ = "rectification_reports"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    item_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    reported_on: date = column(Date, nullable=False)
    text: str = column(String(2000), nullable=False)
    attachments: list[str] = column(ARRAY(String(200)), nullable=False)
    milestone: int | None = column(SmallInteger)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class Step(SQLModel, table=True):
    """A step an item took, by whom, from which area, and why."""

    __tablename__ = "rectification_steps"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = column(BigInteger, primary_key=True, nullable=False)
    item_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(12), nullable=False)
    from_state: str = column(String(12), nullable=False)
    to_state: str = column(String(12), nullable=False)
    actor_id: str = column(String(64), nullable=False)
    actor_scope: str = column(String(12), nullable=False)
    reason: str | None = column(String(500))
    at: datetime = timestamp()
