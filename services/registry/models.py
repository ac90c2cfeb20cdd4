"""Registry tables (schema ``registry``). The DDL, triggers included, is in the migrations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from services.common.columns import column, timestamp, uuid_pk

SCHEMA = "registry"


class Area(SQLModel, table=True):
    """An administrative division (行政区划), keyed by its 12-digit statistical code."""

    __tablename__ = "areas"
    __table_args__ = {"schema": SCHEMA}

    code: str = Field(sa_column=Column(String(12), primary_key=True))
    name: str = column(String(100), nullable=False)
    level: str = column(String(16), nullable=False)
    parent_code: str | None = column(String(12), ForeignKey(f"{SCHEMA}.areas.code"))
    merged_into_code: str | None = column(String(12), ForeignKey(f"{SCHEMA}.areas.code"))
    merged_on: date | None = column(Date)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Household(SQLModel, table=True):
    """A registered household (户), living in a village (``area_code``)."""

    __tablename__ = "households"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    number: str = column(String(32), nullable=False, unique=True)
    area_code: str = column(String(12), ForeignKey(f"{SCHEMA}.areas.code"), nullable=False)
    group_no: int | None = column(SmallInteger)
    address: str | None = column(String(200))
    latitude: float | None = column(Float)
    longitude: float | None = column(Float)
    phone: str | None = column(String(20))
    housing_type: str | None = column(String(16))
    housing_grade: str | None = column(String(1))
    drinking_water: str | None = column(String(16))
    cultivated_land_mu: Decimal | None = column(Numeric(10, 2))
    forest_land_mu: Decimal | None = column(Numeric(10, 2))
    category: str = column(String(16), nullable=False, default="ordinary")
    poverty_exit_year: int | None = column(SmallInteger)
    head_person_id: uuid.UUID | None = column(UUID(as_uuid=True))
    registered_on: date = column(Date, nullable=False, server_default=func.current_date())
    version: int = column(Integer, nullable=False, default=1)
    deleted_at: datetime | None = column(DateTime(timezone=True))
    deleted_reason: str | None = column(String(200))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    created_by: str | None = column(Text)
    updated_by: str | None = column(Text)
    # sha256 of the create request as first received (its HouseholdCreate as JSON): a retry is the same
    # request only if its digest is this one. NULL for households registered before it was kept.
    request_sha256: bytes | None = column(LargeBinary)


class Person(SQLModel, table=True):
    """A household member (人). The ID number is stored encrypted, with a keyed index for exact lookup."""

    __tablename__ = "people"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    household_id: uuid.UUID = column(
        UUID(as_uuid=True), ForeignKey(f"{SCHEMA}.households.id"), nullable=False
    )
    area_code: str = column(String(12), nullable=False)
    name: str = column(String(50), nullable=False)
    national_id_cipher: bytes = column(LargeBinary, nullable=False)
    national_id_index: bytes = column(LargeBinary, nullable=False)
    national_id_masked: str = column(String(18), nullable=False)
    birth_date: date = column(Date, nullable=False)
    sex: str = column(String(6), nullable=False)
    relation: str = column(String(16), nullable=False)
    health: str = column(String(16), nullable=False, default="healthy")
    disability_grade: int | None = column(SmallInteger)
    labour_ability: str | None = column(String(8))
    schooling: str | None = column(String(16))
    medical_insured: bool | None = column(Boolean)
    phone: str | None = column(String(20))
    registered_on: date = column(Date, nullable=False, server_default=func.current_date())
    deceased_on: date | None = column(Date)
    version: int = column(Integer, nullable=False, default=1)
    deleted_at: datetime | None = column(DateTime(timezone=True))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    created_by: str | None = column(Text)
    updated_by: str | None = column(Text)
    # sha256 of the request that added the person alone (services.common.retries.ExactCreate); NULL for
    # members registered with their household, and before it was kept.
    request_sha256: bytes | None = column(LargeBinary)


class ProgrammeMembership(SQLModel, table=True):
    """A household (or one member) in a programme or category for a period (低保, 特困, 脱贫户 …)."""

    __tablename__ = "programme_memberships"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    person_id: uuid.UUID | None = column(UUID(as_uuid=True))
    area_code: str = column(String(12), nullable=False)
    programme: str = column(String(24), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    note: str | None = column(String(200))
    monitoring_type: str | None = column(String(24))  # monitored: the type monitoring's case named
    created_at: datetime = timestamp()
    created_by: str | None = column(Text)
    ended_by: str | None = column(Text)
    request_sha256: bytes | None = column(LargeBinary)  # of its create request (ExactCreate)


class Cadre(SQLModel, table=True):
    """An assistance cadre (帮扶责任人): a person from a unit, paired with households."""

    __tablename__ = "cadres"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    name: str = column(String(50), nullable=False)
    unit: str = column(String(100), nullable=False)
    phone: str | None = column(String(20))
    active: bool = column(Boolean, nullable=False, default=True)
    version: int = column(Integer, nullable=False, default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    request_sha256: bytes | None = column(LargeBinary)  # of its create request (ExactCreate)


class CadreAssignment(SQLModel, table=True):
    __tablename__ = "cadre_assignments"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    cadre_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    created_at: datetime = timestamp()
    created_by: str | None = column(Text)
    request_sha256: bytes | None = column(LargeBinary)  # of its create request, when it has an id
    group_pairing_id: uuid.UUID | None = column(UUID(as_uuid=True))  # made for a whole group's pairing


class AreaMerge(SQLModel, table=True):
    __tablename__ = "area_merges"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    target_code: str = column(String(12), nullable=False)
    source_codes: list[str] = column(ARRAY(String(12)), nullable=False)
    effective_on: date = column(Date, nullable=False)
    households_moved: int = column(Integer, nullable=False)
    created_at: datetime = timestamp()
    created_by: str | None = column(Text)


class HouseholdMove(SQLModel, table=True):
    __tablename__ = "household_moves"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    from_area_code: str = column(String(12), nullable=False)
    to_area_code: str = column(String(12), nullable=False)
    effective_on: date = column(Date, nullable=False)
    reason: str = column(String(16), nullable=False)
    merge_id: uuid.UUID | None = column(UUID(as_uuid=True))
    created_at: datetime = timestamp()


class PersonMove(SQLModel, table=True):
    __tablename__ = "person_moves"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    from_household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    to_household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    effective_on: date = column(Date, nullable=False)
    reason: str = column(String(16), nullable=False)
    created_at: datetime = timestamp()


class RecordChange(SQLModel, table=True):
    """One logged change to a household or person, written by the tables' triggers."""

    __tablename__ = "record_changes"
    __table_args__ = {"schema": SCHEMA}

    id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    occurred_at: datetime = timestamp()
    entity_type: str = column(String(16), nullable=False)
    entity_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(8), nullable=False)
    area_code: str = column(String(12), nullable=False)
    old_area_code: str | None = column(String(12))
    version: int | None = column(Integer)
    changes: dict[str, Any] | None = column(JSONB)
    actor: str | None = column(Text)
    actor_name: str | None = column(Text)
    reason: str | None = column(Text)


class ChangeHistory(SQLModel, table=True):
    """Change log rows older than the sync horizon, moved here by compaction (history reads both)."""

    __tablename__ = "change_history"
    __table_args__ = {"schema": SCHEMA}

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    occurred_at: datetime = column(DateTime(timezone=True), nullable=False)
    entity_type: str = column(String(16), nullable=False)
    entity_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(8), nullable=False)
    area_code: str = column(String(12), nullable=False)
    old_area_code: str | None = column(String(12))
    version: int | None = column(Integer)
    changes: dict[str, Any] | None = column(JSONB)
    actor: str | None = column(Text)
    actor_name: str | None = column(Text)
    reason: str | None = column(Text)


class ImportJob(SQLModel, table=True):
    """A bulk import run as a job: its file, progress and outcome."""

    __tablename__ = "import_jobs"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    filename: str = column(String(255), nullable=False)
    format: str = column(String(8), nullable=False)
    size_bytes: int = column(BigInteger, nullable=False)
    file_sha256: str = column(String(64), nullable=False)
    dry_run: bool = column(Boolean, nullable=False)
    as_of: date | None = column(Date)  # the date the file describes (periods it no longer lists end)
    status: str = column(String(16), nullable=False)
    rows_total: int = column(Integer, nullable=False, default=0)
    rows_done: int = column(Integer, nullable=False, default=0)
    rows_ok: int = column(Integer, nullable=False, default=0)
    rows_bad: int = column(Integer, nullable=False, default=0)
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    failure: str | None = column(Text)
    created_by: str = column(Text, nullable=False)
    created_at: datetime = timestamp()
    started_at: datetime | None = column(DateTime(timezone=True))
    finished_at: datetime | None = column(DateTime(timezone=True))
