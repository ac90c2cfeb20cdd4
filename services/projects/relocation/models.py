"""The settlements' tables (the DDL, constraints included, is in migration 0008). Money is integer fen,
floor area whole ㎡."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, Date, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class Settlement(SQLModel, table=True):
    """A settlement (集中安置点): the project that builds it, where, and its plan."""

    __tablename__ = "settlements"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    project_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)  # one settlement a project
    area_code: str = column(String(12), nullable=False)  # the village it stands in
    name: str = column(String(200), nullable=False)
    min_down_payment_fen: int = column(BigInteger, nullable=False)  # 篇5: at least 3万 a household
    payment_due_on: date = column(Date, nullable=False)  # down-payments due by
    main_structure_due_on: date = column(Date, nullable=False)  # 主体竣工 planned by
    main_structure_done_on: date | None = column(Date)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class UnitType(SQLModel, table=True):
    """A kind of home the settlement builds: its floor area, cost ceiling, whether it is turnkey
    (交钥匙: no down-payment), and how many are planned."""

    __tablename__ = "settlement_unit_types"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    settlement_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    code: str = column(String(32), nullable=False)
    name: str = column(String(200), nullable=False)
    floor_area_m2: int = column(Integer, nullable=False)
    cost_ceiling_fen_per_m2: int = column(BigInteger, nullable=False)
    turnkey: bool = column(Boolean, nullable=False)
    planned_units: int = column(Integer, nullable=False)


class Relocatee(SQLModel, table=True):
    """A registry household signed up for a unit of a settlement, its down-payment and its move."""

    __tablename__ = "settlement_households"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    settlement_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    unit_type_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)  # one settlement a household
    area_code: str = column(String(12), nullable=False)  # the household's village, as the registry said
    signed_on: date = column(Date, nullable=False)
    down_payment_due_fen: int = column(BigInteger, nullable=False)
    paid_fen: int = column(BigInteger, nullable=False, default=0)
    last_paid_on: date | None = column(Date)
    handed_over_on: date | None = column(Date)
    moved_in_on: date | None = column(Date)
    demolished_on: date | None = column(Date)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class DownPayment(SQLModel, table=True):
    """A down-payment (首付款) a household paid, on a day, against a receipt."""

    __tablename__ = "settlement_payments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID: a retry is recognised
    settlement_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    relocatee_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    amount_fen: int = column(BigInteger, nullable=False)
    paid_on: date = column(Date, nullable=False)
    voucher: str = column(String(100), nullable=False)
    request_sha256: bytes = column(LargeBinary, nullable=False)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class RelocationReport(SQLModel, table=True):
    """A phone's record of a household's handover, move-in or demolition, with photos: once a kind."""

    __tablename__ = "relocation_reports"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the phone's UUID: sent again, it is the same report
    settlement_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    relocatee_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    kind: str = column(String(16), nullable=False)
    happened_on: date = column(Date, nullable=False)
    note: str | None = column(String(500))
    photo_refs: list[str] = column(ARRAY(String(200)), nullable=False)
    request_sha256: bytes = column(LargeBinary, nullable=False)
    reported_by: str = column(String(64), nullable=False)
    reported_at: datetime = timestamp()
