"""Input checks shared by the jobs domains (posts, training)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.common.errors import ValidationFailed

BODY: tuple[str | int, ...] = ("body",)


def invalid(field: str, message: str, code: str, at: Sequence[str | int] = BODY) -> ValidationFailed:
    """A refusal of one field; ``at``: where the item is (the body, or an item of a batch)."""
    return ValidationFailed.field([*at, field], message, code)


def check_dates(starts_on: date, ends_on: date | None, at: Sequence[str | int] = BODY) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise invalid("ends_on", "The end is before the start", "ends_before_start", at)
