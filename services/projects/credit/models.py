"""The micro-credit tables (the DDL, constraints included, is in migration 0007). Money is integer fen,
rates basis points (1/10000) a year. A bank's loan or repayment is keyed by (sender, record id); one
entered by hand by its client UUID."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class Loan(SQLModel, table=True):
    __tablename__ = "loans"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    sender_id: str | None = column(String(64))
    record_id: str | None = column(String(64))
    request_sha256: bytes | None = column(LargeBinary)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)  # the borrower, a registry person
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the household's village, as the registry said
    bank: str = column(String(100), nullable=False)
    amount_fen: int = column(BigInteger, nullable=False)
    rate_bp: int = column(Integer, nullable=False)
    subsidy_bp: int = column(Integer, nullable=False)
    purpose: str = column(String(200), nullable=False)
    starts_on: date = column(Date, nullable=False)
    due_on: date = column(Date, nullable=False)
    extended_due_on: date | None = column(Date)
    repaid_fen: int = column(BigInteger, nullable=False, default=0)
    repaid_on: date | None = column(Date)
    written_off_on: date | None = column(Date)
    write_off_reason: str | None = column(String(500))
    overdue_reported_on: date | None = column(Date)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)

    @property
    def balance_fen(self) -> int:
        return self.amount_fen - self.repaid_fen

    @property
    def current_due_on(self) -> date:
        return self.extended_due_on or self.due_on


class LoanRepayment(SQLModel, table=True):
    __tablename__ = "loan_repayments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    loan_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    sender_id: str | None = column(String(64))
    record_id: str | None = column(String(64))
    request_sha256: bytes | None = column(LargeBinary)
    area_code: str = column(String(12), nullable=False)
    amount_fen: int = column(BigInteger, nullable=False)
    paid_on: date = column(Date, nullable=False)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class LoanExtension(SQLModel, table=True):
    __tablename__ = "loan_extensions"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID
    loan_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    due_on: date = column(Date, nullable=False)  # the new due date asked for
    reason: str = column(String(500), nullable=False)
    state: str = column(String(10), nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    requested_by: str = column(String(64), nullable=False)
    requested_at: datetime = timestamp()
    decided_by: str | None = column(String(64))
    decided_on: date | None = column(Date)
    note: str | None = column(String(500))
    version: int = column(Integer, nullable=False, default=1)
