"""The first administrator, created at the command line (there is no one yet to create them)."""

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


async def create_admin(
    session: AsyncSession, store: AuditStore, hasher: PasswordHasher, data: UserCreate, command: str
) -> tuple[User, bool]:
    """Create a county administrator as the operator; recorded in the audit log like any other write."""
    trail = AuditTrail(
        method="CLI", route=command, request_id=None, address="local", client="fangpin", principal=OPERATOR
    )
    session.info[SESSION_KEY] = trail
    user, created = await UserAdmin(session, hasher).create(data, OPERATOR)
    await store.append(session, trail, Outcome.success, status=None)
    await session.commit()
    return user, created
