"""Input checks shared by the jobs domains (posts, training)."""

from __future__ import annotations

from datetime import date

from services.common.errors import ValidationFailed


def invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field(["body", field], message, code)


def check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise invalid("ends_on", "The end is before the start", "ends_before_start")
