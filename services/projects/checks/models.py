"""A phone's report of an asset's check (the DDL, constraints included, is in migration 0005)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.projects import SCHEMA


class AssetCheckReport(SQLModel, table=True):
    """One report from a phone: a yearly check (it is also the asset's check of that year, in
    ``asset_checks``) or an upkeep inspection, with what was found and its photos."""

    __tablename__ = "asset_check_reports"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the phone's UUID: sent again, it is the same report
    asset_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the asset's, for scope and the audit
    kind: str = column(String(8), nullable=False)  # yearly | upkeep
    year: int | None = column(SmallInteger)  # the year a yearly check is of
    checked_on: date = column(Date, nullable=False)
    result: str = column(String(8), nullable=False)
    problem: str | None = column(String(500))
    photo_refs: list[str] = column(ARRAY(String(200)), nullable=False)
    request_sha256: bytes = column(LargeBinary, nullable=False)
    reported_by: str = column(String(64), nullable=False)
    reported_at: datetime = timestamp()
