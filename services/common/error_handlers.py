"""The one handler: every error, ours, the framework's or the database's, rendered as problem+json.

Kept apart from ``errors`` because rendering needs the web framework, the database driver's errors and
the OpenAPI routes, while the exceptions themselves are imported by every module and must need nothing.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Conflict,
    DatabaseUnavailable,
    FangpinError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    json_safe_loc,
    validation_code,
)
from services.common.openapi import documented_methods

logger = logging.getLogger("fangpin.errors")

_STATUS_ERRORS: dict[int, type[FangpinError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    503: ServiceUnavailable,
}


def problem_response(error: FangpinError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        error.to_problem(instance),
        status_code=error.status,
        headers=error.headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )


def validation_problem(exc: RequestValidationError) -> BadRequest | ValidationFailed:
    errors = [
        {
            "loc": json_safe_loc(e.get("loc", ())),
            "msg": e.get("msg", ""),
            "code": validation_code(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    if any(e["code"] == "json_invalid" for e in errors):
        return BadRequest("The request body is not valid JSON", code="malformed_json", errors=errors)
    return ValidationFailed("The request did not pass validation", errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error, ours or the framework's, as problem+json; never an HTML page or a traceback."""

    @app.exception_handler(FangpinError)
    async def _ours(request: Request, exc: FangpinError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error_cls = _STATUS_ERRORS.get(exc.status_code, FangpinError)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # The router names only the first route that matched the path; say every documented method.
            headers["Allow"] = ", ".join(documented_methods(request.app, request.url.path)) or headers.get(
                "Allow", ""
            )
        error = error_cls(str(exc.detail) if exc.detail else None, headers=headers)
        if error_cls is FangpinError:
            error.status = exc.status_code
            error.code = f"http_{exc.status_code}"
        return problem_response(error, request)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        # 08: connection exceptions; 57P: the server is shutting down or starting up.
        lost = exc.connection_invalidated or sqlstate.startswith(("08", "57P"))
        if lost or isinstance(exc, (OperationalError, InterfaceError)):
            # The database went away (restart, failover): nothing was committed, the client may retry.
            logger.warning(
                "database unavailable on %s %s: %s", request.method, request.url.path, type(exc.orig)
            )
            return problem_response(DatabaseUnavailable(), request)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(FangpinError("An unexpected error occurred; it has been logged"), request)
