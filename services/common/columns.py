"""Column shorthands shared by the services' SQLModel tables (the DDL itself is in the migrations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Table, func, inspect
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel


def uuid_pk() -> Any:
    return Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))


def timestamp() -> Any:
    """Set by the database when the row is written."""
    return Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


def column(type_: Any, *args: Any, default: Any = None, nullable: bool = True, **kw: Any) -> Any:
    return Field(default=default, sa_column=Column(type_, *args, nullable=nullable, **kw))


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Table (``model.__table__``, which SQLModel sets but does not declare)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table
