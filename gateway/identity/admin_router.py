"""Users and API keys, managed by county administrators within their scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from gateway.idempotency.route import IdempotentRoute
from gateway.identity.admin import ApiKeyAdmin, UserAdmin
from gateway.identity.context import allowed, identity_of
from gateway.identity.repository import ApiKeyRepository, UserRepository
from gateway.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
    key_fields,
    key_read,
    user_read,
)
from services.common.auth import Permission, Principal, Role
from services.common.concurrency import VERSION_ETAG, IfMatch, send_version
from services.common.database import SessionDep
from services.common.errors import ValidationFailed
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    encode_cursor,
)
from services.common.scope import WITHIN_DESCRIPTION, WITHIN_PATTERN, within_prefix

router = APIRouter(prefix="/api/v1", route_class=IdempotentRoute)
UserManager = Annotated[Principal, allowed(Permission.users_manage)]
KeyManager = Annotated[Principal, allowed(Permission.api_keys_manage)]


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    responses={200: {"model": UserRead, "description": "The same user already existed (a retried request)"}},
)
async def create_user(
    request: Request, body: UserCreate, admin: UserManager, session: SessionDep, response: Response
) -> UserRead:
    """Create a user with a role and an area inside your own."""
    user, created = await UserAdmin(session, identity_of(request).hasher).create(body, admin)
    if not created:
        response.status_code = status.HTTP_200_OK
    return user_read(user)


@router.get("/users", response_model=Page[UserRead], tags=["users"])
async def list_users(
    admin: UserManager,
    session: SessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
    role: Role | None = None,
    within: Annotated[str | None, Query(pattern=WITHIN_PATTERN, description=WITHIN_DESCRIPTION)] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Username or name contains")
    ] = None,
) -> Page[UserRead]:
    """List the users in your area, by username."""
    after = cursor_field(decode_cursor(cursor), "username", str)
    rows = await UserRepository(session).list(
        admin.scope_prefix,
        role=role.value if role else None,
        area_prefix=within_prefix(within, admin),  # an area outside yours is 404, as everywhere
        q=q,
        after_username=after,
        limit=limit + 1,
    )
    items = [user_read(u) for u in rows[:limit]]
    next_cursor = encode_cursor({"username": items[-1].username}) if len(rows) > limit and items else None
    return Page[UserRead](items=items, next_cursor=next_cursor)


@router.get("/users/{user_id:uuid}", response_model=UserRead, tags=["users"], responses=VERSION_ETAG)
async def get_user(
    request: Request, response: Response, user_id: uuid.UUID, admin: UserManager, session: SessionDep
) -> UserRead:
    """Read one user of your area."""
    user = user_read(await UserAdmin(session, identity_of(request).hasher).get(user_id, admin))
    send_version(response, user.version)
    return user


@router.patch("/users/{user_id:uuid}", response_model=UserRead, tags=["users"])
async def update_user(
    request: Request,
    user_id: uuid.UUID,
    body: UserUpdate,
    admin: UserManager,
    session: SessionDep,
    if_match: IfMatch = None,
) -> UserRead:
    """Change a user's name, role, area, password or state (an admin's: from a wider area only)."""
    user = await UserAdmin(session, identity_of(request).hasher).update(user_id, body, admin, if_match)
    identity_of(request).authenticator.forget(principal_id=str(user.id))
    return user_read(user)


@router.post(
    "/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, tags=["api-keys"]
)
async def create_api_key(body: ApiKeyCreate, admin: KeyManager, session: SessionDep) -> ApiKeyCreated:
    """Create a key for a partner system; the key is in this answer only, store it now."""
    key, secret = await ApiKeyAdmin(session).create(body, admin)
    return ApiKeyCreated(**key_fields(key), key=secret)


@router.get("/api-keys", response_model=Page[ApiKeyRead], tags=["api-keys"])
async def list_api_keys(
    admin: KeyManager, session: SessionDep, limit: PageLimit = DEFAULT_PAGE_SIZE, cursor: PageCursor = None
) -> Page[ApiKeyRead]:
    """List the API keys of your area, oldest first."""
    after = _key_cursor(cursor)
    rows = await ApiKeyRepository(session).list(admin.scope_prefix, after=after, limit=limit + 1)
    items = [key_read(k) for k in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor({"at": last.created_at.isoformat(), "id": str(last.id)}) if last else None
    return Page[ApiKeyRead](items=items, next_cursor=next_cursor)


def _key_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    decoded = decode_cursor(cursor)
    if decoded is None:
        return None
    try:
        return datetime.fromisoformat(cursor_field(decoded, "at", str)), uuid.UUID(
            cursor_field(decoded, "id", str)
        )
    except ValueError as exc:
        raise ValidationFailed.field(
            ["query", "cursor"], "The cursor is not one this API issued", "bad_cursor"
        ) from exc


@router.get("/api-keys/{key_id:uuid}", response_model=ApiKeyRead, tags=["api-keys"], responses=VERSION_ETAG)
async def get_api_key(
    key_id: uuid.UUID, admin: KeyManager, session: SessionDep, response: Response
) -> ApiKeyRead:
    """Read one API key (never the key itself)."""
    key = key_read(await ApiKeyAdmin(session).get(key_id, admin))
    send_version(response, key.version)
    return key


@router.patch("/api-keys/{key_id:uuid}", response_model=ApiKeyRead, tags=["api-keys"])
async def update_api_key(
    request: Request,
    key_id: uuid.UUID,
    body: ApiKeyUpdate,
    admin: KeyManager,
    session: SessionDep,
    if_match: IfMatch = None,
) -> ApiKeyRead:
    """Rename or re-scope a key; needs the version you read."""
    key = await ApiKeyAdmin(session).update(key_id, body, admin, if_match)
    identity_of(request).authenticator.forget(principal_id=str(key.id))
    return key_read(key)


@router.post("/api-keys/{key_id:uuid}/revoke", response_model=ApiKeyRead, tags=["api-keys"])
async def revoke_api_key(
    request: Request, key_id: uuid.UUID, admin: KeyManager, session: SessionDep
) -> ApiKeyRead:
    """Revoke a key: it stops working at once (within seconds on other gateway replicas)."""
    key = await ApiKeyAdmin(session).revoke(key_id, admin)
    identity_of(request).authenticator.forget(principal_id=str(key.id))
    return key_read(key)
