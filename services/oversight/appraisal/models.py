"""The appraisal scheme's table (DDL: migration 0003)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.oversight import SCHEMA


class AppraisalScheme(SQLModel, table=True):
    """One version of an area's scheme for a year and level: never changed, only superseded."""

    __tablename__ = "appraisal_schemes"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    year: int = column(SmallInteger, nullable=False)
    level: str = column(String(12), nullable=False)
    version: int = column(Integer, nullable=False)
    effective_from: date = column(Date, nullable=False)
    indicators: list[dict[str, Any]] = column(JSONB, nullable=False)
    note: str | None = column(String(500))
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
