"""Contacts and the remote-contact rule (DDL: migration 0002)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.common.labels import LabelledEnum
from services.oversight import SCHEMA


class ContactMethod(LabelledEnum):
    phone = "phone", "电话"
    wechat = "wechat", "微信"
    visit = "visit", "上门走访"


REMOTE = (ContactMethod.phone, ContactMethod.wechat)


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    cadre_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    method: str = column(String(8), nullable=False)
    at: datetime = column(DateTime(timezone=True), nullable=False)
    day: date = column(Date, nullable=False)
    note: str | None = column(String(500))
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class ContactRule(SQLModel, table=True):
    """Whether a remote contact counts toward visit compliance in an area (most specific applies)."""

    __tablename__ = "contact_rules"
    __table_args__ = {"schema": SCHEMA}

    area_code: str = column(String(12), primary_key=True, nullable=False)
    remote_counts: bool = column(Boolean, nullable=False)
    set_by: str = column(String(64), nullable=False)
    set_at: datetime = timestamp()
