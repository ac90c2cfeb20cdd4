"""Student aid (教育资助) and student loans (生源地助学贷款): request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import StrictBody, Version, whole
from services.common.labels import LabelledEnum
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText


class AidKind(LabelledEnum):
    preschool = "preschool", "学前教育资助"
    compulsory = "compulsory", "义务教育阶段资助"
    high_school = "high_school", "普通高中资助"
    vocational = "vocational", "中职资助"
    university = "university", "高校学生资助"
    travel = "travel", "高校新生入学车费资助"
    yulu = "yulu", "雨露计划"
    left_behind = "left_behind", "特困留守儿童救助"
    loan = "loan", "生源地助学贷款"


Fen = Annotated[int, *whole(1, 10_000_000_000)]
SchoolYear = Annotated[int, *whole(2000, 2100)]


class _AidFields(StrictBody):
    record_id: Annotated[
        NonBlankText, Field(max_length=64, description="The sender's own id of the record (a retry)")
    ]
    kind: AidKind = Field(description=AidKind.describe())
    school_year: SchoolYear = Field(description="The school year's first year: 2024 is 2024–2025学年")
    term: Annotated[int, *whole(1, 2)] | None = Field(default=None, description="1 or 2; none: the year's")
    amount_fen: Fen = Field(description="Amount owed (a loan: the amount lent), fen")
    school: Annotated[NonBlankText, Field(max_length=100)] | None = None
    paid_on: IsoDate | None = Field(default=None, description="Paid (a loan: completed) on; not future")
    notice_delivered_on: IsoDate | None = Field(default=None, description="Aid notice (告知书) delivered on")


class AidIn(_AidFields):
    """One payment owed to a student, or one student loan (kind `loan`), from the education bureau: the
    student by ID number, matched in the registry in your area."""

    national_id: str = Field(min_length=1, max_length=32, description="The student's ID number")


class AidCreate(_AidFields):
    """One payment owed to a student, or one student loan (kind `loan`), entered by a school or town:
    the student by the registry's person id."""

    person_id: uuid.UUID = Field(description="The registry's person, in your area")


AidItem = Annotated[dict[str, Any], CheckedAlone(AidIn)]


class AidBatch(StrictBody):
    records: list[AidItem] = Field(min_length=1, max_length=1000)


class AidItemResult(BaseModel):
    index: int
    record_id: str | None = None
    status: Literal["created", "duplicate", "conflict", "forbidden", "unknown_id", "invalid"]
    id: uuid.UUID | None = None
    error: dict | None = None


class AidBatchResult(BaseModel):
    created: int
    duplicates: int
    unknown_ids: int
    failed: int
    items: list[AidItemResult]


class AidUpdate(StrictBody):
    """Mark a record paid (a loan completed) or its notice delivered (with `base_version`)."""

    base_version: Version
    paid_on: IsoDate | None = None
    notice_delivered_on: IsoDate | None = None


class AidRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    record_id: str
    sender_id: str
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    kind: AidKind
    school_year: int
    term: int | None
    amount_fen: int
    school: str | None
    paid_on: date | None
    notice_delivered_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class KindFigures(BaseModel):
    kind: AidKind
    label: str
    students: int
    records: int
    owed_fen: int
    paid_fen: int


class LoanFigures(BaseModel):
    students: int = Field(description="Students with a loan in the year")
    completed: int = Field(description="Of those, with every loan completed by the day")
    completion_pct: float | None


class AidStats(BaseModel):
    area_code: str
    school_year: int
    as_of: date
    students: int = Field(description="Registered students owed aid in the year (loans apart)")
    students_paid: int = Field(description="Of those, paid everything owed by the day")
    covered_share_pct: float | None = Field(description="students_paid / students, per cent (2 places)")
    notices_delivered: int = Field(description="Students whose every aid notice was delivered by the day")
    by_kind: list[KindFigures]
    loans: LoanFigures
