"""The audit of an HTTP request: the trail it starts with, and the record of one that failed or was
refused, written in a transaction of its own since the request's own (if it had one) rolled back.

Below the database module, which opens the unit of work and calls on this one; so nothing here may
import it: the part's session factory is passed in, or found on the app.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.audit.store import AuditStore
from services.common.audit.trail import AuditTrail, Outcome, outcome_for_status
from services.common.errors import FangpinError
from services.common.logging import request_id_var

logger = logging.getLogger("fangpin.audit")


def trail_for(request: Request) -> AuditTrail:
    route = request.scope.get("route")
    return AuditTrail(
        method=request.method,
        route=getattr(route, "path", request.url.path),
        request_id=request_id_var.get(),
        address=request.client.host if request.client else None,
        client=request.headers.get("user-agent"),
        path_params={k: str(v) for k, v in request.path_params.items()},
    )


async def record_denial(request: Request, exc: BaseException) -> None:
    """Record a refused request that never opened a unit of work (e.g. refused before routing)."""
    state = request.app.state
    database = getattr(state, "database", None)
    if database is None:
        return  # a part without a database keeps no audit; the refusal itself still stands
    await record_failure(
        database.sessionmaker, getattr(state, "audit_store", None), trail_for(request), request, exc
    )


def status_of(exc: BaseException) -> int:
    if isinstance(exc, FangpinError):
        return exc.status
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    return 500


async def record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    store: AuditStore | None,
    trail: AuditTrail,
    request: Request,
    exc: BaseException,
) -> None:
    if getattr(exc, "audited", False):
        return  # a guard already recorded this refusal
    status = status_of(exc)
    outcome = getattr(exc, "audit_outcome", None) or outcome_for_status(status)
    if store is None or not (trail.is_write or outcome is Outcome.denied or trail.entries):
        return
    trail.principal = getattr(request.state, "principal", None)
    try:
        async with sessionmaker() as session, session.begin():
            await store.append(session, trail, outcome, status)
    except Exception:  # noqa: BLE001 - never hide the request's own error behind the audit's
        logger.exception("could not record the failed request in the audit log")
        return
    vars(exc)["audited"] = True  # any exception: its own attribute, read back above
