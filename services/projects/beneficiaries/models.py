"""The beneficiary tables (the DDL, constraints included, is in migration 0004). Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class BeneficiaryLink(SQLModel, table=True):
    """A registry household that a project or an asset (exactly one) benefits, and how (利益联结)."""

    __tablename__ = "beneficiary_links"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    project_id: uuid.UUID | None = column(UUID(as_uuid=True))
    asset_id: uuid.UUID | None = column(UUID(as_uuid=True))
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the household's village, as the registry said
    kind: str = column(String(16), nullable=False)
    starts_on: date = column(Date, nullable=False)
    note: str | None = column(String(500))
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class BeneficiaryPayment(SQLModel, table=True):
    """What a household received through a link, on a day, against a voucher; optionally the asset
    income distribution notice it pays out."""

    __tablename__ = "beneficiary_payments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    link_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    amount_fen: int = column(BigInteger, nullable=False)
    paid_on: date = column(Date, nullable=False)
    voucher: str = column(String(100), nullable=False)
    notice_id: uuid.UUID | None = column(UUID(as_uuid=True))
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
