"""The projects service's tables (the DDL, constraints included, is in migration 0001).

Money is integer fen (bigint), never a float. A project's funds keep their running totals beside the
budget, and the database itself refuses paid > received or received > budget (a CHECK on the row every
movement updates), so two payments at once can never overdraw a line.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Identity, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class Project(SQLModel, table=True):
    """A project of the library (项目库): what, where, which sector, who builds it, when, and its state."""

    __tablename__ = "projects"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID when it sent one: a retry is recognised
    year: int = column(SmallInteger, nullable=False)
    name: str = column(String(200), nullable=False)
    area_code: str = column(String(12), nullable=False)
    sector: str = column(String(24), nullable=False)
    implementing_unit: str = column(String(200), nullable=False)
    grassroots: bool = column(Boolean, nullable=False)  # 基层: counted for 篇4's 80% rule
    livelihood: bool = column(Boolean, nullable=False)  # 民生
    state: str = column(String(16), nullable=False)
    entered_on: date = column(Date, nullable=False)  # 入库
    planned_start_on: date | None = column(Date)
    planned_end_on: date | None = column(Date)
    approved_on: date | None = column(Date)
    started_on: date | None = column(Date)
    completed_on: date | None = column(Date)
    accepted_on: date | None = column(Date)
    handed_over_on: date | None = column(Date)
    cancelled_on: date | None = column(Date)
    note: str | None = column(String(500))
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class ProjectStep(SQLModel, table=True):
    """One step of a project's history: who took which action, on which day, why, on whose order."""

    __tablename__ = "project_steps"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = column(BigInteger, Identity(always=True), primary_key=True, nullable=False)
    project_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(16), nullable=False)
    from_state: str = column(String(16), nullable=False)
    to_state: str = column(String(16), nullable=False)
    taken_on: date = column(Date, nullable=False)
    reason: str | None = column(String(500))
    document: str | None = column(String(200))
    changes: str | None = column(String(2000))  # an adjustment's old → new, as JSON
    taken_by: str = column(String(64), nullable=False)
    taken_at: datetime = timestamp()


class ProjectFund(SQLModel, table=True):
    """One funding source's line of a project: budget, received (到位) and paid (支付), in fen."""

    __tablename__ = "project_funds"
    __table_args__ = {"schema": SCHEMA}

    project_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    source: str = column(String(16), primary_key=True, nullable=False)
    budget_fen: int = column(BigInteger, nullable=False)
    received_fen: int = column(BigInteger, nullable=False, default=0)
    paid_fen: int = column(BigInteger, nullable=False, default=0)


class FundMovement(SQLModel, table=True):
    """Money received for (到位) or paid out of (支付) one line, on a day, against a voucher."""

    __tablename__ = "fund_movements"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    project_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the project's, for scope and the audit
    source: str = column(String(16), nullable=False)
    kind: str = column(String(8), nullable=False)
    amount_fen: int = column(BigInteger, nullable=False)
    moved_on: date = column(Date, nullable=False)
    voucher: str = column(String(100), nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
