"""The gateway's own tables (schema ``gateway``): identity and sign-in bookkeeping, idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, LargeBinary, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

SCHEMA = "gateway"


def _ts(nullable: bool = True, default_now: bool = False) -> Column[datetime]:
    return Column(
        DateTime(timezone=True), nullable=nullable, server_default=func.now() if default_now else None
    )


class User(SQLModel, table=True):
    """A person who signs in: a cadre, reviewer, administrator, auditor or operator."""

    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    username: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    display_name: str = Field(sa_column=Column(String(100), nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    role: str = Field(sa_column=Column(String(32), nullable=False))
    area_code: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    version: int = Field(sa_column=Column(Integer, nullable=False, server_default="1"))
    created_by: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(False, True))
    updated_at: datetime = Field(sa_column=_ts(False, True))
    disabled_at: datetime | None = Field(default=None, sa_column=_ts())


class ApiKey(SQLModel, table=True):
    """A partner system's key: shown once, kept only as a hash."""

    __tablename__ = "api_keys"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    public_id: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    role: str = Field(sa_column=Column(String(32), nullable=False))
    area_code: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    version: int = Field(sa_column=Column(Integer, nullable=False, server_default="1"))
    created_by: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(False, True))
    last_used_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())


class LoginSession(SQLModel, table=True):
    """One sign-in: its access tokens carry its id; logging out revokes it."""

    __tablename__ = "sessions"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    user_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False, index=True))
    created_at: datetime = Field(sa_column=_ts(False, True))
    expires_at: datetime = Field(sa_column=_ts(False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    address: str | None = Field(default=None, sa_column=Column(Text))
    client: str | None = Field(default=None, sa_column=Column(Text))


class RefreshToken(SQLModel, table=True):
    """A refresh token (kept as a hash), good for one use: using it again revokes the whole session."""

    __tablename__ = "refresh_tokens"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    session_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False, index=True))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    issued_at: datetime = Field(sa_column=_ts(False, True))
    expires_at: datetime = Field(sa_column=_ts(False))
    used_at: datetime | None = Field(default=None, sa_column=_ts())


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per username and per address to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    username: str = Field(sa_column=Column(String(64), nullable=False))
    address: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=_ts(False, True))


class IdempotencyKey(SQLModel, table=True):
    """A caller's write sent with an Idempotency-Key, and the answer its first copy got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = {"schema": SCHEMA}

    caller_id: str = Field(sa_column=Column(Text, primary_key=True))
    key: str = Field(sa_column=Column(String(255), primary_key=True))
    method: str = Field(sa_column=Column(String(8), nullable=False))
    path: str = Field(sa_column=Column(Text, nullable=False))
    request_sha256: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: int | None = Field(default=None, sa_column=Column(SmallInteger))
    headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSONB))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = Field(sa_column=_ts(False, True))
