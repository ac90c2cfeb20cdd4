"""Monitoring tables (schema ``monitoring``). The DDL, constraints included, is in the migrations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
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

SCHEMA = "monitoring"


class ThresholdVersion(SQLModel, table=True):
    """The lines and intervals an area set for a year; never changed, only superseded by a new version."""

    __tablename__ = "thresholds"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    area_code: str = column(String(12), nullable=False)
    year: int = column(SmallInteger, nullable=False)
    version: int = column(Integer, nullable=False)
    income_line: Decimal = column(Numeric(12, 2), nullable=False)
    large_expense_line: Decimal = column(Numeric(12, 2), nullable=False)
    income_drop_share: Decimal | None = column(Numeric(5, 4))  # 收入骤减: None, not watched
    spending_jump_line: Decimal | None = column(Numeric(12, 2))  # 支出骤增: None, not watched
    visit_interval_days: int = column(Integer, nullable=False)
    exit_waiting_days: int = column(Integer, nullable=False)
    alert_decision_days: int = column(Integer, nullable=False)
    note: str | None = column(Text)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()


class Inspection(SQLModel, table=True):
    """One door-to-door visit (入户排查), as the phone recorded it, with what the rules found."""

    __tablename__ = "inspections"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the phone's UUID
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    inspector_id: str = column(String(64), nullable=False)
    inspector_name: str = column(String(100), nullable=False)
    cadre_id: uuid.UUID | None = column(UUID(as_uuid=True))  # the paired cadre (帮扶责任人) who visited
    visited_at: datetime = column(DateTime(timezone=True), nullable=False)
    latitude: float | None = column(Float)
    longitude: float | None = column(Float)
    answers: dict[str, Any] = column(JSONB, nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    findings: list[dict[str, Any]] = column(JSONB, nullable=False)
    ruleset_version: str = column(String(16), nullable=False)
    threshold_id: uuid.UUID | None = column(UUID(as_uuid=True))
    superseded: bool = Field(default=False)  # a later visit of the household had already arrived
    received_at: datetime = timestamp()


class InspectionPhoto(SQLModel, table=True):
    """A photo taken on a visit (the house, a water source, a document), as the phone sent it."""

    __tablename__ = "inspection_photos"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the phone's UUID: a retried upload is recognised
    inspection_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    content_type: str = column(String(16), nullable=False)
    size_bytes: int = column(Integer, nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    data: bytes = column(LargeBinary, nullable=False)
    uploaded_by: str = column(String(64), nullable=False)
    uploaded_at: datetime = timestamp()


class Alert(SQLModel, table=True):
    """A household at risk for one reason (预警); repeats of the same risk attach to the live alert."""

    __tablename__ = "alerts"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    risk_code: str = column(String(32), nullable=False)
    severity: str = column(String(8), nullable=False)
    state: str = column(String(16), nullable=False)
    reason: str = column(Text, nullable=False)  # the latest signal's reason
    signals: int = column(Integer, nullable=False)
    first_raised_at: datetime = column(DateTime(timezone=True), nullable=False)
    last_raised_at: datetime = column(DateTime(timezone=True), nullable=False)
    handled_by: str | None = column(String(64))
    handled_at: datetime | None = column(DateTime(timezone=True))
    dismissal_reason: str | None = column(Text)
    case_id: uuid.UUID | None = column(UUID(as_uuid=True))
    version: int = column(Integer, nullable=False, default=1)


class AlertSignal(SQLModel, table=True):
    """One finding that raised or repeated an alert, with where it came from."""

    __tablename__ = "alert_signals"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    alert_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    source: str = column(String(16), nullable=False)
    source_id: str = column(String(64), nullable=False)
    severity: str = column(String(8), nullable=False)
    reason: str = column(Text, nullable=False)
    rule_version: str = column(String(32), nullable=False)
    threshold_id: uuid.UUID | None = column(UUID(as_uuid=True))
    threshold_version: int | None = column(Integer)
    raised_at: datetime = column(DateTime(timezone=True), nullable=False)


class Case(SQLModel, table=True):
    """A household going through identification (识别认定) and, once enrolled, monitoring to exit."""

    __tablename__ = "cases"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    state: str = column(String(24), nullable=False)
    monitoring_type: str | None = column(String(24))
    risk_codes: list[str] = column(ARRAY(String(32)), nullable=False, default=list)
    first_alert_at: datetime = column(DateTime(timezone=True), nullable=False)
    decision_due_on: date = column(Date, nullable=False)
    decided_at: datetime | None = column(DateTime(timezone=True))
    notice_ends_on: date | None = column(Date)
    enrolled_on: date | None = column(Date)
    eliminated_on: date | None = column(Date)
    opened_by: str = column(String(64), nullable=False)
    opened_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)
    import_sha256: bytes | None = column(LargeBinary)  # a past case brought in by an import


class CaseEvent(SQLModel, table=True):
    """One step of a case: who took which action, from which state to which, why."""

    __tablename__ = "case_events"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    case_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(24), nullable=False)
    from_state: str | None = column(String(24))
    to_state: str = column(String(24), nullable=False)
    actor_id: str = column(String(64), nullable=False)
    actor_name: str = column(String(100), nullable=False)
    actor_role: str = column(String(24), nullable=False)
    reason: str | None = column(Text)
    at: datetime = timestamp()


class Measure(SQLModel, table=True):
    """One assistance measure (一户一方案、一人一措施) of a household or one of its members: of its case
    when one is enrolled, else of the household alone (a 脱贫户's plan, ``plans``)."""

    __tablename__ = "measures"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    case_id: uuid.UUID | None = column(UUID(as_uuid=True))
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    person_id: uuid.UUID | None = column(UUID(as_uuid=True))
    kind: str = column(String(16), nullable=False)
    description: str = column(Text, nullable=False)
    cadre_id: uuid.UUID | None = column(UUID(as_uuid=True))
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)
    amount: Decimal | None = column(Numeric(12, 2))
    status: str = column(String(16), nullable=False)
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    version: int = column(Integer, nullable=False, default=1)


class PartnerRecord(SQLModel, table=True):
    """A bureau's record about a person, matched by ID number (which is not kept here)."""

    __tablename__ = "partner_records"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    partner_id: str = column(String(64), nullable=False)
    kind: str = column(String(24), nullable=False)
    record_id: str = column(String(64), nullable=False)
    content_sha256: bytes = column(LargeBinary, nullable=False)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    occurred_on: date = column(Date, nullable=False)
    data: dict[str, Any] = column(JSONB, nullable=False)
    received_at: datetime = timestamp()


class Pairing(SQLModel, table=True):
    """A cadre's pairing with a household (帮扶结对), as the registry's events tell it: what visit
    compliance is counted against (``visits.rollups``)."""

    __tablename__ = "pairings"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the registry's pairing
    cadre_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # the household's village, following its moves
    starts_on: date = column(Date, nullable=False)
    ends_on: date | None = column(Date)  # the last day in force
    household_deleted: bool = Field(default=False)
    updated_at: datetime = timestamp()


class RegistryHousehold(SQLModel, table=True):
    """A household as the registry's events tell it (``events.members``): when it was registered and
    whether it was deleted. Monitoring counts its people (``registry_members_on``) only once it knows it."""

    __tablename__ = "registry_households"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the registry's household
    registered_on: date | None = column(Date)  # None: only its deletion has arrived yet
    deleted: bool = Field(default=False)
    updated_at: datetime = timestamp()


class RegistryPerson(SQLModel, table=True):
    """A member as the registry's events tell it: no name, no ID number, only what counting needs."""

    __tablename__ = "registry_people"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the registry's person
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)  # now, after every move
    registered_on: date = column(Date, nullable=False)
    deceased_on: date | None = column(Date)
    deleted: bool = Field(default=False)
    updated_at: datetime = timestamp()


class RegistryPersonMove(SQLModel, table=True):
    """A person's move to another household from a day (marriage, a split), as the registry logged it."""

    __tablename__ = "registry_person_moves"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    event_id: str = column(String(80), nullable=False)
    person_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    from_household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    to_household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    effective_on: date = column(Date, nullable=False)


class RecordedIncome(SQLModel, table=True):
    """A payment a household received through a project's or an asset's beneficiary link (利益联结), as
    the projects service reported it (``beneficiary.paid``): income the rules count for its year."""

    __tablename__ = "recorded_incomes"
    __table_args__ = {"schema": SCHEMA}

    payment_id: uuid.UUID = column(UUID(as_uuid=True), primary_key=True, nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    year: int = column(SmallInteger, nullable=False)
    kind: str = column(String(8), nullable=False)  # wage | transfer
    amount_fen: int = column(BigInteger, nullable=False)
    paid_on: date = column(Date, nullable=False)
    event_id: str = column(String(64), nullable=False)
    received_at: datetime = timestamp()


class ScreeningRound(SQLModel, table=True):
    """A screening round (拉网式大排查): every household of a kind in an area visited within a window."""

    __tablename__ = "screening_rounds"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    name: str = column(String(100), nullable=False)
    area_code: str = column(String(12), nullable=False)
    starts_on: date = column(Date, nullable=False)
    ends_on: date = column(Date, nullable=False)
    households: str = column(String(24), nullable=False)  # which: all, escaped, ordinary …
    due: int = column(Integer, nullable=False)  # households listed when it opened
    state: str = column(String(8), nullable=False, default="open")
    request_sha256: bytes = column(LargeBinary, nullable=False)
    opened_by: str = column(String(64), nullable=False)
    opened_at: datetime = timestamp()
    closed_by: str | None = column(String(64))
    closed_at: datetime | None = column(DateTime(timezone=True))
    closed_as_of: date | None = column(Date)
    frozen: dict[str, Any] | None = column(JSONB(none_as_null=True))  # coverage as it stood when closed
    version: int = column(Integer, nullable=False, default=1)


class ScreeningRoundHousehold(SQLModel, table=True):
    """A household a round visits, listed when the round opened (the phones' list of doors)."""

    __tablename__ = "screening_round_households"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()
    round_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)  # its village when the round opened
    category: str = column(String(16), nullable=False)  # escaped, monitored or ordinary then


class HouseholdRequest(SQLModel, table=True):
    """A household's request (诉求): what it asks, who handles it by when, how it ended, its feedback."""

    __tablename__ = "household_requests"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = uuid_pk()  # the client's UUID
    household_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    area_code: str = column(String(12), nullable=False)
    person_id: uuid.UUID | None = column(UUID(as_uuid=True))
    channel: str = column(String(16), nullable=False)
    source_id: uuid.UUID | None = column(UUID(as_uuid=True))
    topic: str = column(String(16), nullable=False)
    content: str = column(Text, nullable=False)
    received_on: date = column(Date, nullable=False)
    handler_name: str = column(String(100), nullable=False)
    handler_cadre_id: uuid.UUID | None = column(UUID(as_uuid=True))
    due_on: date = column(Date, nullable=False)
    state: str = column(String(12), nullable=False)
    outcome: str | None = column(Text)
    closed_on: date | None = column(Date)
    feedback: str | None = column(String(24))
    feedback_note: str | None = column(Text)
    feedback_on: date | None = column(Date)
    version: int = column(Integer, nullable=False, default=1)
    request_sha256: bytes | None = column(LargeBinary, nullable=False)  # never None once stored
    created_by: str = column(String(64), nullable=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # The change position (xid, change_seq) is kept by the database (sql/070_household_request_changes.sql).


class HouseholdRequestStep(SQLModel, table=True):
    """One step of a request: who took which action on which day, from which state, with what note."""

    __tablename__ = "household_request_steps"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    request_id: uuid.UUID = column(UUID(as_uuid=True), nullable=False)
    action: str = column(String(12), nullable=False)
    from_state: str | None = column(String(12))
    to_state: str = column(String(12), nullable=False)
    on_date: date = column(Date, nullable=False)
    note: str | None = column(Text)
    actor_id: str = column(String(64), nullable=False)
    actor_name: str = column(String(100), nullable=False)
    at: datetime = timestamp()
