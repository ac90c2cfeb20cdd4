"""Route guards: the caller must hold a permission; a refusal is written to the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request

from services.common.audit.requests import record_denial
from services.common.auth import Permission, Principal, current_principal
from services.common.errors import Forbidden

PrincipalDependency = Callable[..., Awaitable[Principal]]


def requires(permission: Permission, authenticate: PrincipalDependency = current_principal) -> Any:
    """Dependency: the caller, if its role grants ``permission``; else 403 with the reason, audited."""

    async def guard(request: Request, principal: Principal = Depends(authenticate)) -> Principal:
        try:
            principal.require(permission)
        except Forbidden as exc:
            await record_denial(request, exc)
            raise
        return principal

    return Depends(guard)
