"""Accounts made at the command line: the first administrator, and auditors (no administrator may
make those, so that no one can give themselves the right to read the audit log)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.admin import UserAdmin
from gateway.identity.credentials import PasswordHasher
from gateway.identity.schemas import UserCreate
from gateway.models import User
from services.common.area_codes import NATIONAL_ROOT
from services.common.audit.store import AuditStore
from services.common.audit.trail import SESSION_KEY, AuditTrail, Outcome
from services.common.auth import Principal, PrincipalKind, Role

OPERATOR = Principal(
    id="cli",
    name="fangpin command line",
    kind=PrincipalKind.system,
    role=Role.county_admin,
    scope=NATIONAL_ROOT,
)


async def create_user_as_operator(
    session: AsyncSession, store: AuditStore, hasher: PasswordHasher, data: UserCreate, command: str
) -> tuple[User, bool]:
    """Create an account of any role as the operator (the command line); audited like any other write."""
    trail = AuditTrail(
        method="CLI", route=command, request_id=None, address="local", client="fangpin", principal=OPERATOR
    )
    session.info[SESSION_KEY] = trail
    user, created = await UserAdmin(session, hasher).create(data, OPERATOR)
    await store.append(session, trail, Outcome.success, status=None)
    await session.commit()
    return user, created
