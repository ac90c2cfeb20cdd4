"""The area-scope filter every query applies: a row is visible when its area code starts with the
caller's scope prefix."""

from __future__ import annotations

from sqlalchemy import ColumnElement


def in_scope(column: ColumnElement[str], scope_prefix: str) -> ColumnElement[bool]:
    return column.startswith(scope_prefix, autoescape=True)  # type: ignore[attr-defined]
