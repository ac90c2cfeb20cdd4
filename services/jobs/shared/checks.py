"""Input checks shared by the jobs domains (posts, training)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from services.common.auth import Principal
from services.common.errors import Conflict, ValidationFailed

Row = TypeVar("Row")


def invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field(["body", field], message, code)


def check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise invalid("ends_on", "The end is before the start", "ends_before_start")


def repeated_or_conflict(
    existing: Row, stored: tuple[Any, ...], sent: tuple[Any, ...], principal: Principal, what: str
) -> Row:
    """A retry (the client's id again) must repeat the first request, from the caller's area."""
    if stored == sent and principal.covers(existing.area_code):  # type: ignore[attr-defined]
        return existing
    raise Conflict(f"{what} {existing.id} exists with other details", code="id_in_use")  # type: ignore[attr-defined]
