"""A session (DDL: migration 0002)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import SQLModel

from services.common.columns import column, timestamp, uuid_pk
from services.common.labels import LabelledEnum
from services.oversight import SCHEMA


class SessionKind(LabelledEnum):
    study = "study", "学习"
    training = "training", "培训"
    publicity = "publicity", "宣传"


class Audience(LabelledEnum):
    cadres = "cadres", "干部"
    villagers = "villagers", "群众"


class StudySession(SQLModel, table=True):
    """A session held in an area on a day, for cadres or villagers; ``attendance`` is the 人次 (the
    names' count where names are given)."""

    __tablename__ = "sessions"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    held_on: date = column(Date, nullable=False)
    kind: str = column(String(12), nullable=False)
    audience: str = column(String(12), nullable=False)
    title: str = column(String(200), nullable=False)
    place: str | None = column(String(200))
    attendance: int = column(Integer, nullable=False)
    attendees: list[str] | None = column(ARRAY(String(100)))
    request_sha256: bytes | None = column(LargeBinary)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
