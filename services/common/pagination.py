"""Keyset pagination: an opaque cursor that carries the sort key of the last row served."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from services.common.errors import ValidationFailed

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

T = TypeVar("T")

PageLimit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE})")
]
PageCursor = Annotated[
    str | None, Query(max_length=512, description="Opaque cursor from the previous page's next_cursor")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


def encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.field(
            ["query", "cursor"], "The cursor is not one this API issued", "bad_cursor"
        ) from exc
    if not isinstance(value, dict):
        raise ValidationFailed.field(
            ["query", "cursor"], "The cursor is not one this API issued", "bad_cursor"
        )
    return value


def bad_cursor() -> ValidationFailed:
    return ValidationFailed.field(["query", "cursor"], "The cursor is not one this API issued", "bad_cursor")


def cursor_field(cursor: dict[str, Any] | None, name: str, kind: type) -> Any:
    """One field of a decoded cursor, checked, so a hand-made cursor gets 422 instead of a 500.
    ``kind`` uuid.UUID reads the field's text as a UUID."""
    if cursor is None:
        return None
    value = cursor.get(name)
    if kind is uuid.UUID:
        if not isinstance(value, str):
            raise bad_cursor()
        try:
            return uuid.UUID(value)
        except ValueError as exc:
            raise bad_cursor() from exc
    if not isinstance(value, kind):
        raise bad_cursor()
    return value


def page_after(rows: Sequence[Any], limit: int, read: Callable[[Any], T]) -> Page[T]:
    """A page from rows fetched in id order with ``limit + 1``: the extra row says there is more, and
    the cursor carries the last id shown (read back with ``cursor_field(…, "after", uuid.UUID)``)."""
    items = [read(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor({"after": str(rows[limit - 1].id)}) if more else None)
