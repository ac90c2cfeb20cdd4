"""The assets' tables (the DDL, constraints included, is in migration 0002). Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Identity, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class Asset(SQLModel, table=True):
    __tablename__ = "assets"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    project_id: uuid.UUID | None = column(UUID(as_uuid=True))  # the project it was formed from
    area_code: str = column(String(12), nullable=False)
    name: str = column(String(200), nullable=False)
    kind: str = column(String(16), nullable=False)
    value_fen: int = column(BigInteger, nullable=False)
    formed_on: date = column(Date, nullable=False)
    owner_type: str | None = column(String(24))  # set by titling (确权)
    owner_name: str | None = column(String(200))
    upkeep_owner: str | None = column(String(200))  # 管护责任人/单位
    state: str = column(String(16), nullable=False)
    disposed_on: date | None = column(Date)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class AssetCheck(SQLModel, table=True):
    """The yearly check (核查清算): one per asset and year."""

    __tablename__ = "asset_checks"
    __table_args__ = {"schema": SCHEMA}

    asset_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    year: int = column(SmallInteger, primary_key=True, nullable=False)
    checked_on: date = column(Date, nullable=False)
    result: str = column(String(8), nullable=False)
    problem: str | None = column(String(500))
    checked_by: str = column(String(64), nullable=False)
    checked_at: datetime = timestamp()


class AssetIncome(SQLModel, table=True):
    """A year's income and how much of it is noticed for distribution (pending) or distributed."""

    __tablename__ = "asset_incomes"
    __table_args__ = {"schema": SCHEMA}

    asset_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    year: int = column(SmallInteger, primary_key=True, nullable=False)
    income_fen: int = column(BigInteger, nullable=False)
    pending_fen: int = column(BigInteger, nullable=False, default=0)
    distributed_fen: int = column(BigInteger, nullable=False, default=0)


class AssetNotice(SQLModel, table=True):
    """A public notice (公告公示) of an asset's operation, an income distribution or a disposal."""

    __tablename__ = "asset_notices"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    asset_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    subject: str = column(String(16), nullable=False)
    place: str = column(String(200), nullable=False)
    posted_from: date = column(Date, nullable=False)
    posted_to: date = column(Date, nullable=False)
    photo_ref: str | None = column(String(200))
    state: str = column(String(16), nullable=False)
    concluded_on: date | None = column(Date)
    year: int | None = column(SmallInteger)
    to_households_fen: int | None = column(BigInteger)
    to_posts_fen: int | None = column(BigInteger)
    to_village_fen: int | None = column(BigInteger)
    to_other_fen: int | None = column(BigInteger)
    reason: str | None = column(String(500))
    document: str | None = column(String(200))
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class NoticeObjection(SQLModel, table=True):
    __tablename__ = "notice_objections"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = column(BigInteger, Identity(always=True), primary_key=True, nullable=False)
    notice_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    raised_on: date = column(Date, nullable=False)
    text: str = column(String(1000), nullable=False)
    resolved_on: date | None = column(Date)
    resolution: str | None = column(String(500))
    recorded_by: str = column(String(64), nullable=False)
