"""The oversight service's tables (the DDL, constraints included, is in migration 0001)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.oversight import SCHEMA


class SupportUnit(SQLModel, table=True):
    """A support unit (帮扶单位) and the villages it supports; ``area_code`` is the area that keeps it."""

    __tablename__ = "support_units"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    name: str = column(String(200), nullable=False)
    level: str = column(String(16), nullable=False)
    area_code: str = column(String(12), nullable=False)
    villages: list[str] = column(ARRAY(String(12)), nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class WorkTeam(SQLModel, table=True):
    """A village's work team (驻村工作队) for a period, sent by a unit."""

    __tablename__ = "work_teams"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    village_code: str = column(String(12), nullable=False)
    unit_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class TeamMember(SQLModel, table=True):
    """One member of a team, from–to; ``cadre_id`` names the registry's cadre where the member is one
    (checked with the registry, in the caller's area, when the team was stationed)."""

    __tablename__ = "team_members"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    team_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    village_code: str = column(String(12), nullable=False)
    name: str = column(String(100), nullable=False)
    role: str = column(String(16), nullable=False)
    duty: str = column(String(20), nullable=False)
    unit_id: uuid.UUID | None = column(UUID(as_uuid=True))
    phone: str | None = column(String(20))
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    cadre_id: uuid.UUID | None = column(UUID(as_uuid=True))


class CheckIn(SQLModel, table=True):
    """A member's check-in from a phone (驻村考勤): the phone's UUID, so a retry is the same row."""

    __tablename__ = "check_ins"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    member_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    village_code: str = column(String(12), nullable=False)
    at: datetime = column(DateTime(timezone=True), nullable=False)
    day: date = column(Date, nullable=False)  # China's calendar day of ``at``
    latitude: float = column(Float, nullable=False)
    longitude: float = column(Float, nullable=False)
    photo_ref: str | None = column(String(200))
    distance_m: int | None = column(Integer)  # from the village's point; None: this check-in set it
    far: bool = column(Boolean, nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class Leave(SQLModel, table=True):
    """A member's leave (请假), approved or refused by the town: approved days are not held against the
    member's target."""

    __tablename__ = "leaves"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    member_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    village_code: str = column(String(12), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date = column(Date, nullable=False)
    reason: str = column(String(500), nullable=False)
    state: str = column(String(12), nullable=False)
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    decided_by: str | None = column(String(64))
    decided_at: datetime | None = column(DateTime(timezone=True))
    decision_note: str | None = column(String(500))


class VillagePoint(SQLModel, table=True):
    """Where a village is, for telling a far check-in: the registry keeps no village point, so the
    village's first check-in sets it (``check_in_id``)."""

    __tablename__ = "village_points"
    __table_args__ = {"schema": SCHEMA}

    village_code: str = column(String(12), primary_key=True, nullable=False)
    latitude: float = column(Float, nullable=False)
    longitude: float = column(Float, nullable=False)
    check_in_id: uuid.UUID | None = column(UUID(as_uuid=True))


class PresenceTarget(SQLModel, table=True):
    """Days in the village a duty is held to in an area and year: a year's days or a week's."""

    __tablename__ = "presence_targets"
    __table_args__ = {"schema": SCHEMA}

    area_code: str = column(String(12), primary_key=True, nullable=False)
    year: int = column(SmallInteger, primary_key=True, nullable=False)
    duty: str = column(String(20), primary_key=True, nullable=False)
    days_per_year: int | None = column(SmallInteger)
    days_per_week: int | None = column(SmallInteger)
    set_by: str = column(String(64), nullable=False)
    set_at: datetime = timestamp()
