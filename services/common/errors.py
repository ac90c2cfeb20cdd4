"""RFC 9457 problem details: one base exception, one shape for every error.

Every error a client sees is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and a stable machine ``code``; validation errors add ``errors: [{loc, msg, code}]``.

This module imports nothing of ours, so that every other module may import it; the handlers that
render these errors (and the framework's and the database's) live in ``error_handlers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://fangpin.dev/problems/"


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
    def field(cls, loc: Sequence[str | int], msg: str, code: str) -> ValidationFailed:
        return cls(msg, errors=[{"loc": loc, "msg": msg, "code": code}], code=code)

    @classmethod
    def of_item(cls, exc: Any, loc: list[str | int], detail: str) -> ValidationFailed:
        """A pydantic ``ValidationError`` of one item of a batch, its errors located under ``loc``."""
        errors = [
            {"loc": [*loc, *json_safe_loc(e["loc"])], "msg": e["msg"], "code": validation_code(e["type"])}
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


class DatabaseUnavailable(ServiceUnavailable):
    """The database went away under a request (restart, failover): nothing was committed."""

    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The database is not reachable right now; nothing was changed, retry shortly",
            headers={"Retry-After": "2"},
        )


def validation_code(error_type: str) -> str:
    # Pydantic's error types are stable strings ("missing", "string_too_long" …); keep them as codes.
    return error_type.replace(".", "_")


def json_safe_loc(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]
