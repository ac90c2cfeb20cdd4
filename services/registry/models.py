"""Registry tables (schema ``registry``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, String, func
from sqlmodel import Field, SQLModel

SCHEMA = "registry"


class Area(SQLModel, table=True):
    """An administrative division (行政区划), keyed by its 12-digit statistical code."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$'", name="areas_code_digits"),
        CheckConstraint("level IN ('province','city','county','town','village')", name="areas_level_known"),
        CheckConstraint("parent_code IS NULL OR parent_code <> code", name="areas_parent_not_self"),
        {"schema": SCHEMA},
    )

    code: str = Field(sa_column=Column(String(12), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    level: str = Field(sa_column=Column(String(16), nullable=False))
    parent_code: str | None = Field(
        default=None,
        sa_column=Column(String(12), ForeignKey(f"{SCHEMA}.areas.code"), nullable=True, index=True),
    )
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
