"""Request-body field types shared by the services.

Numbers and flags strictly as JSON types: a phone sends true, not 0; 3, not "3". Batches answer per
item, so a wrongly typed field must fail its item, not slip through as a coerced value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, Strict

AREA_CODE_PATTERN = r"^[0-9]{12}$"


def _json_integer(value: object) -> object:
    """A JSON integer (3 or 3.0), never a string or a boolean."""
    if isinstance(value, (str, bool, bytes)):
        raise ValueError("Input should be a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_number(value: object) -> object:
    """A JSON number, never a string or a boolean; read exactly (5820.1 stays 5820.1)."""
    if isinstance(value, (str, bool, bytes)):
        raise ValueError("Input should be a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def whole(low: int, high: int) -> tuple[Any, ...]:
    """A JSON integer within bounds, as ``Annotated[int, *whole(low, high)]`` (the bounds before the
    validator, so the schema publishes them)."""
    return Field(ge=low, le=high), BeforeValidator(_json_integer)


def _as_json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def money(high: int = 100_000_000) -> tuple[Any, ...]:
    """Yuan as a JSON number, at most two decimals, from 0 to ``high``; written back as a JSON number:
    ``Annotated[Decimal, *money(high)]``."""
    return (
        Field(ge=0, le=high, decimal_places=2, allow_inf_nan=False),
        BeforeValidator(_json_number),
        PlainSerializer(_as_json_number, return_type=int | float, when_used="json"),
    )


def share() -> tuple[Any, ...]:
    """A share strictly between 0 and 1 as a JSON number, at most four decimals (0.3 for 30%)."""
    return (
        Field(gt=0, lt=1, decimal_places=4, allow_inf_nan=False),
        BeforeValidator(_json_number),
        PlainSerializer(_as_json_number, return_type=int | float, when_used="json"),
    )


Version = Annotated[
    int, Field(ge=1, le=2_000_000_000, description="The version you read"), BeforeValidator(_json_integer)
]
Bool = Annotated[bool, Strict()]
Float = Annotated[float, Strict()]


class StrictBody(BaseModel):
    """A request body: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
