"""RFC 9457 problem details: one base exception, one handler, one shape for every error.

Every error a client sees is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and a stable machine ``code``; validation errors add ``errors: [{loc, msg, code}]``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://fangpin.dev/problems/"

logger = logging.getLogger("fangpin.errors")


class FangpinError(Exception):
    """Base of every error we raise on purpose; subclasses set status, code and title."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.headers = headers or {}
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code.replace("_", "-"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(FangpinError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthorized(FangpinError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(FangpinError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(FangpinError):
    status, code, title = 404, "not_found", "Not found"


class MethodNotAllowed(FangpinError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class Conflict(FangpinError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(FangpinError):
    status, code, title = 413, "payload_too_large", "Request body too large"


class UnsupportedMediaType(FangpinError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class ValidationFailed(FangpinError):
    """422 with a list of field errors, the same shape the framework's own validation gets."""

    status, code, title = 422, "validation_failed", "Invalid input"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None, **kw: Any) -> None:
        super().__init__(detail, errors=errors or [], **kw)

    @classmethod
    def field(cls, loc: list[str | int], msg: str, code: str) -> ValidationFailed:
        return cls(msg, errors=[{"loc": loc, "msg": msg, "code": code}], code=code)

    @classmethod
    def of_item(cls, exc: Any, loc: list[str | int], detail: str) -> ValidationFailed:
        """A pydantic ``ValidationError`` of one item of a batch, its errors located under ``loc``."""
        errors = [
            {"loc": [*loc, *_json_safe_loc(e["loc"])], "msg": e["msg"], "code": _validation_code(e["type"])}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        return cls(detail, errors=errors)


class RateLimited(FangpinError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, retry_after_s: int, detail: str | None = None, **kw: Any) -> None:
        super().__init__(
            detail or f"Try again in {retry_after_s} s", headers={"Retry-After": str(retry_after_s)}, **kw
        )


class ServiceUnavailable(FangpinError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class GatewayTimeout(FangpinError):
    status, code, title = 504, "upstream_timeout", "Upstream timed out"


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


def _validation_code(error_type: str) -> str:
    # Pydantic's error types are stable strings ("missing", "string_too_long" …); keep them as codes.
    return error_type.replace(".", "_")


def _json_safe_loc(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def validation_problem(exc: RequestValidationError) -> ValidationFailed:
    errors = [
        {
            "loc": _json_safe_loc(e.get("loc", ())),
            "msg": e.get("msg", ""),
            "code": _validation_code(e.get("type", "")),
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
            from services.common.openapi import documented_methods

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
            from services.common.database import DatabaseUnavailable  # the database module imports this one

            return problem_response(DatabaseUnavailable(), request)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(FangpinError("An unexpected error occurred; it has been logged"), request)
