"""The children's table (the DDL, constraints included, is in migration 0020)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.monitoring.models import SCHEMA


class SchoolChild(SQLModel, table=True):
    """A child of compulsory-school age (or soon to be): from the registry or the police population
    feed, with where the child studies and the ledger's own edits."""

    __tablename__ = "school_children"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    person_id: uuid.UUID | None = column(UUID(as_uuid=True))
    household_id: uuid.UUID | None = column(UUID(as_uuid=True))
    id_index: bytes | None = column(LargeBinary)
    national_id_masked: str | None = column(String(18))
    name: str = column(String(50), nullable=False)
    birth_date: date = column(Date, nullable=False)
    family_ref: str | None = column(String(64))
    area_code: str = column(String(12), nullable=False)
    source: str = column(String(12), nullable=False)
    population_partner: str | None = column(String(64))
    population_record: str | None = column(String(64))
    population_sha256: bytes | None = column(LargeBinary)
    study_place: str | None = column(String(16))
    school: str | None = column(String(100))
    grade: str | None = column(String(20))
    teacher: str | None = column(String(50))
    out_of_school_reason: str | None = column(Text)
    proven_on: date | None = column(Date)
    proof_document: str | None = column(String(100))
    proof_photo_id: uuid.UUID | None = column(UUID(as_uuid=True))
    proven_by: str | None = column(String(64))
    return_state: str | None = column(String(12))
    found_on: date | None = column(Date)
    persuaded_on: date | None = column(Date)
    returned_on: date | None = column(Date)
    left_on: date | None = column(Date)
    version: int = column(Integer, nullable=False, default=1)
    change_seq: int | None = column(BigInteger)  # set by the database
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
