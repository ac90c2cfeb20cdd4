"""Bodies of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.models import ApiKey, User
from services.common.area_codes import is_valid_scope
from services.common.auth import Role
from services.common.text import NonBlankText

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
# 12 digits with a non-zero province, or all zeros for the whole country.
SCOPE_PATTERN = r"^(000000000000|(0[1-9]|[1-9][0-9])[0-9]{10})$"
AREA_SCOPE_DESCRIPTION = "Area code the account acts on, with everything below it (000000000000 = all)"
Password = Field(min_length=10, max_length=256, description="10 to 256 characters")


class KeyRole(StrEnum):
    """The roles a partner system's key may have: machines read and push, they do not approve."""

    bureau_partner = Role.bureau_partner.value
    auditor = Role.auditor.value
    ops = Role.ops.value


def _check_scope(value: str | None) -> str | None:
    if value is not None and not is_valid_scope(value):
        raise ValueError("must be a 12-digit area code (000000000000 = the whole country)")
    return value


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds the refresh token stays valid (one use)")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(pattern=USERNAME_PATTERN, description="lower-case letters, digits, . _ -")
    display_name: NonBlankText = Field(max_length=100)
    password: str = Password
    role: Role
    area_code: str = Field(pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)

    _scope = field_validator("area_code")(_check_scope)


class UserUpdate(BaseModel):
    """Change some fields; send the version you read as ``base_version`` or in If-Match."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: NonBlankText | None = Field(default=None, max_length=100)
    role: Role | None = None
    area_code: str | None = Field(default=None, pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256, description="A new password")
    base_version: int | None = Field(default=None, ge=1)

    _scope = field_validator("area_code")(_check_scope)


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    area_code: str = Field(pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)
    version: int
    disabled: bool
    created_at: datetime
    updated_at: datetime


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Password


class Me(BaseModel):
    id: str
    name: str
    kind: str
    role: Role
    area_code: str = Field(pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)
    permissions: list[str]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: NonBlankText = Field(max_length=100, description="Which system uses it, e.g. 县医保局")
    role: KeyRole = KeyRole.bureau_partner
    area_code: str = Field(pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)

    _scope = field_validator("area_code")(_check_scope)


class ApiKeyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: NonBlankText | None = Field(default=None, max_length=100)
    role: KeyRole | None = None
    area_code: str | None = Field(default=None, pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)
    base_version: int | None = Field(default=None, ge=1)

    _scope = field_validator("area_code")(_check_scope)


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    role: Role
    area_code: str = Field(pattern=SCOPE_PATTERN, description=AREA_SCOPE_DESCRIPTION)
    prefix: str = Field(description="The key's first characters, to recognise it")
    version: int
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. It is shown this once and cannot be read again.")


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        area_code=user.area_code,
        version=user.version,
        disabled=user.disabled_at is not None,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def key_fields(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": Role(key.role),
        "area_code": key.area_code,
        "prefix": f"fpk_{key.public_id}",
        "version": key.version,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked": key.revoked_at is not None,
    }


def key_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(**key_fields(key))
