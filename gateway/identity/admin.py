"""County administrators manage users and API keys inside their own area scope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.credentials import PasswordHasher, new_api_key
from gateway.identity.repository import ApiKeyRepository, SessionRepository, UserRepository
from gateway.identity.schemas import ApiKeyCreate, ApiKeyUpdate, UserCreate, UserUpdate
from gateway.models import ApiKey, User
from services.common.audit import audit_trail, diff
from services.common.auth import ROLE_PERMISSIONS, Permission, Principal, PrincipalKind, Role
from services.common.concurrency import check_version
from services.common.errors import Conflict, Forbidden, NotFound

# Roles that manage accounts: such an account is managed only from a strictly wider scope.
MANAGING = frozenset({Permission.users_manage, Permission.api_keys_manage})


def _rights_beyond(admin: Principal, role: Role | str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[Role(role)] - ROLE_PERMISSIONS[admin.role]


def check_grant(admin: Principal, role: Role | str | None, area_code: str | None) -> None:
    """An administrator hands out only what it holds: an area inside its own, and a role whose
    permissions it has itself (so it cannot make itself an auditor; the operator creates those)."""
    if area_code is not None and not admin.covers(area_code):
        raise _outside(admin, area_code)
    if role is None or admin.kind is PrincipalKind.system:
        return
    if extra := _rights_beyond(admin, role):
        raise Forbidden(
            f"You cannot grant the {Role(role).value} role: it may do what you may not "
            f"({', '.join(sorted(p.value for p in extra))}); the operator creates such accounts",
            code="role_not_grantable",
        )


def check_control(admin: Principal, role: Role | str, area_code: str) -> None:
    """An administrator account (as it is, or as a change would make it) belongs to a scope strictly
    inside the caller's: a peer may not reset its password, change its role or area, disable it, or
    make one, since whoever holds a peer's password holds the peer's rights."""
    if admin.kind is PrincipalKind.system or not ROLE_PERMISSIONS[Role(role)] & MANAGING:
        return
    if area_code != admin.scope and admin.covers(area_code):
        return
    raise Forbidden(
        f"An administrator account of {area_code} is as wide as your scope {admin.scope}; only an "
        "administrator of a wider area may make it or set its password, role, area or state",
        code="peer_account",
    )


def check_held(admin: Principal, role: Role | str) -> None:
    """An account whose role may do more than the caller (an auditor) keeps its password, role and area
    away from the caller: taking them would hand the caller those rights."""
    if admin.kind is PrincipalKind.system:
        return
    if extra := _rights_beyond(admin, role):
        raise Forbidden(
            f"The account's {Role(role).value} role may do what you may not "
            f"({', '.join(sorted(p.value for p in extra))}); only the operator sets its password, "
            "role or area",
            code="role_not_grantable",
        )


def _outside(principal: Principal, area_code: str) -> Forbidden:
    return Forbidden(f"Area {area_code} lies outside your area scope {principal.scope}", code="outside_scope")


def _check_takeover(
    admin: Principal, role: str, area_code: str, new_role: Role | str | None, new_area: str | None
) -> None:
    """A change of an account's password, role, area or state: judged on the account as it is and
    as it would be (a peer may not be made by promotion or re-scoping either)."""
    check_control(admin, role, area_code)
    check_control(admin, new_role or role, new_area or area_code)


def _check_user_change(admin: Principal, user: User, data: UserUpdate) -> None:
    """Who may change a user's password, role, area or state (a name is any administrator's to fix)."""
    if str(user.id) == admin.id and (data.role or data.area_code or data.disabled or data.password):
        raise Forbidden(
            "You cannot change your own role, area or password here, nor disable yourself "
            "(POST /api/v1/users/me/password changes your password, with the current one)",
            code="self_change",
        )
    check_grant(admin, data.role, data.area_code)
    takes = data.password is not None or data.role is not None or data.area_code is not None
    if takes or (data.disabled is not None and data.disabled != (user.disabled_at is not None)):
        _check_takeover(admin, user.role, user.area_code, data.role, data.area_code)
    if takes:
        check_held(admin, user.role)


def _user_state(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "role": user.role,
        "area_code": user.area_code,
        "disabled": user.disabled_at is not None,
    }


class UserAdmin:
    def __init__(self, session: AsyncSession, hasher: PasswordHasher) -> None:
        self.session = session
        self.hasher = hasher
        self.users = UserRepository(session)

    async def create(self, data: UserCreate, admin: Principal) -> tuple[User, bool]:
        """The new user, and False if the same user already existed (a retried request)."""
        check_grant(admin, data.role, data.area_code)
        check_control(admin, data.role, data.area_code)
        existing = await self.users.by_username(data.username)
        if existing is not None:
            same = (existing.display_name, existing.role, existing.area_code) == (
                data.display_name,
                data.role.value,
                data.area_code,
            )
            if (
                same
                and admin.covers(existing.area_code)
                and await self.hasher.verify(existing.password_hash, data.password)
            ):
                return existing, False
            raise Conflict(f"The username {data.username} is taken", code="username_taken")
        now = datetime.now(UTC)
        user = User(
            id=uuid.uuid4(),
            username=data.username,
            display_name=data.display_name,
            password_hash=await self.hasher.hash(data.password),
            role=data.role.value,
            area_code=data.area_code,
            version=1,
            created_by=admin.id,
            created_at=now,
            updated_at=now,
        )
        self.users.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"The username {data.username} is taken", code="username_taken") from exc
        audit_trail(self.session).record(
            "user.create", "user", str(user.id), area_code=user.area_code, changes=diff({}, _user_state(user))
        )
        return user, True

    async def get(self, user_id: uuid.UUID, admin: Principal) -> User:
        user = await self.users.by_id(user_id, admin.scope_prefix)
        if user is None:
            raise NotFound(f"No user {user_id}", code="user_not_found")
        return user

    async def update(
        self, user_id: uuid.UUID, data: UserUpdate, admin: Principal, if_match: str | None
    ) -> User:
        user = await self.users.by_id(user_id, admin.scope_prefix, for_update=True)
        if user is None:
            raise NotFound(f"No user {user_id}", code="user_not_found")
        check_version(user.version, if_match, data.base_version)
        _check_user_change(admin, user, data)
        before = _user_state(user)
        now = datetime.now(UTC)
        if data.display_name is not None:
            user.display_name = data.display_name
        if data.role is not None:
            user.role = data.role.value
        if data.area_code is not None:
            user.area_code = data.area_code
        if data.disabled is not None:
            user.disabled_at = (user.disabled_at or now) if data.disabled else None
        changes = diff(before, _user_state(user))
        if data.password is not None:
            user.password_hash = await self.hasher.hash(data.password)
            await SessionRepository(self.session).revoke_all_of(user.id, now)
            changes["password"] = ["(set)", "(reset)"]
        if data.disabled:
            await SessionRepository(self.session).revoke_all_of(user.id, now)
        if changes:
            user.version += 1
            user.updated_at = now
        audit_trail(self.session).record(
            "user.update", "user", str(user.id), area_code=user.area_code, changes=changes
        )
        await self.session.flush()
        return user

    async def change_own_password(self, principal: Principal, current: str, new: str) -> None:
        user = await self.users.by_id(uuid.UUID(principal.id), "", for_update=True)
        if user is None or not await self.hasher.verify(user.password_hash, current):
            raise Forbidden("The current password is wrong", code="wrong_password")
        user.password_hash = await self.hasher.hash(new)
        user.updated_at = datetime.now(UTC)
        user.version += 1
        # Other sign-ins end; this one too — the client signs in again with the new password.
        await SessionRepository(self.session).revoke_all_of(user.id, user.updated_at)
        audit_trail(self.session).record(
            "user.password_change", "user", principal.id, area_code=user.area_code
        )


def _key_name_taken(name: str, area_code: str) -> Conflict:
    return Conflict(
        f"A key named {name!r} is active for {area_code}; revoke it or pick another name",
        code="api_key_name_taken",
    )


def _key_state(key: ApiKey) -> dict[str, Any]:
    return {
        "name": key.name,
        "role": key.role,
        "area_code": key.area_code,
        "revoked": key.revoked_at is not None,
    }


class ApiKeyAdmin:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.keys = ApiKeyRepository(session)

    async def create(self, data: ApiKeyCreate, admin: Principal) -> tuple[ApiKey, str]:
        check_grant(admin, data.role, data.area_code)
        if await self.keys.active_named(data.name, data.area_code) is not None:
            raise _key_name_taken(data.name, data.area_code)
        secret_key, public_id, secret_hash = new_api_key()
        key = ApiKey(
            id=uuid.uuid4(),
            public_id=public_id,
            secret_hash=secret_hash,
            name=data.name,
            role=data.role.value,
            area_code=data.area_code,
            version=1,
            created_by=admin.id,
            created_at=datetime.now(UTC),
        )
        self.keys.add(key)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise _key_name_taken(data.name, data.area_code) from exc
        audit_trail(self.session).record(
            "api_key.create",
            "api_key",
            str(key.id),
            area_code=key.area_code,
            changes=diff({}, _key_state(key)),
        )
        return key, secret_key

    async def get(self, key_id: uuid.UUID, admin: Principal, *, for_update: bool = False) -> ApiKey:
        key = await self.keys.by_id(key_id, admin.scope_prefix, for_update=for_update)
        if key is None:
            raise NotFound(f"No API key {key_id}", code="api_key_not_found")
        return key

    async def update(
        self, key_id: uuid.UUID, data: ApiKeyUpdate, admin: Principal, if_match: str | None
    ) -> ApiKey:
        key = await self.get(key_id, admin, for_update=True)
        check_version(key.version, if_match, data.base_version)
        check_grant(admin, data.role, data.area_code)
        if data.role is not None or data.area_code is not None:
            _check_takeover(admin, key.role, key.area_code, data.role, data.area_code)
            check_held(admin, key.role)
        before = _key_state(key)
        key.name = data.name if data.name is not None else key.name
        key.role = data.role.value if data.role is not None else key.role
        key.area_code = data.area_code if data.area_code is not None else key.area_code
        changes = diff(before, _key_state(key))
        if changes:
            key.version += 1
        audit_trail(self.session).record(
            "api_key.update", "api_key", str(key.id), area_code=key.area_code, changes=changes
        )
        name, area_code = key.name, key.area_code  # the failed flush leaves the object unreadable
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise _key_name_taken(name, area_code) from exc
        return key

    async def revoke(self, key_id: uuid.UUID, admin: Principal) -> ApiKey:
        key = await self.get(key_id, admin, for_update=True)
        check_control(admin, key.role, key.area_code)
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            key.version += 1
            audit_trail(self.session).record(
                "api_key.revoke",
                "api_key",
                str(key.id),
                area_code=key.area_code,
                changes={"revoked": [False, True]},
            )
        return key
