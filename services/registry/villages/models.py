"""Village profile tables (村情): groups, households' group periods, yearly profiles, group pairings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.registry.models import SCHEMA


class VillageGroup(SQLModel, table=True):
    """A 村民小组: a numbered, named part of a village (no national code)."""

    __tablename__ = "village_groups"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), ForeignKey(f"{SCHEMA}.areas.code"), nullable=False)
    number: int = column(SmallInteger, nullable=False)
    name: str = column(String(50), nullable=False)
    version: int = column(Integer, nullable=False, default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    created_by: str | None = column(Text)


class HouseholdGroup(SQLModel, table=True):
    """A household's period in a group; the open one (no end) is where it is now."""

    __tablename__ = "household_groups"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    group_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    created_at: datetime = timestamp()
    created_by: str | None = column(Text)


class VillageProfile(SQLModel, table=True):
    """A village's typed profile for a year, in force from ``valid_from`` (a merge starts a new one)."""

    __tablename__ = "village_profiles"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), ForeignKey(f"{SCHEMA}.areas.code"), nullable=False)
    year: int = column(SmallInteger, nullable=False)
    valid_from: date = column(Date, nullable=False)
    merge_id: uuid.UUID | None = column(UUID(as_uuid=True))
    arable_mu: Decimal | None = column(Numeric(12, 2))
    forest_mu: Decimal | None = column(Numeric(12, 2))
    grain_to_green_mu: Decimal | None = column(Numeric(12, 2))
    road_hardened_km: Decimal | None = column(Numeric(10, 2))
    road_dirt_km: Decimal | None = column(Numeric(10, 2))
    water: str | None = column(Text)
    facilities: list[Any] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    note: str | None = column(Text)
    version: int = column(Integer, nullable=False, default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    updated_by: str | None = column(Text)


class GroupPairing(SQLModel, table=True):
    """A cadre paired with a whole group; its households' pairings name it."""

    __tablename__ = "group_pairings"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    cadre_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    group_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    created_at: datetime = timestamp()
    created_by: str | None = column(Text)
    request_sha256: bytes | None = column(LargeBinary)
