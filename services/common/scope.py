"""The area scope every query applies, and what a caller's area parameters mean.

A row is visible when its area code starts with the caller's scope prefix. A filter (``within``) names
an area: a 12-digit code stands for that area and everything below it, a shorter digit string is a code
prefix. An area outside the caller's scope answers 404 ``area_not_found``, the very answer a missing area
gets, so another county's areas cannot be told apart from codes that exist nowhere; a wider one that
holds the scope (a county administrator asking for 61) narrows to the scope.
"""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, SQLColumnExpression

from services.common.area_codes import (
    CODE_LENGTH,
    NATIONAL_ROOT,
    PREFIX_LENGTH,
    AreaCodeError,
    is_valid_scope,
    prefix_of,
)
from services.common.auth import CurrentPrincipal, Principal
from services.common.errors import Forbidden, NotFound, ValidationFailed

WITHIN_PATTERN = r"^[0-9]{1,12}$"
WITHIN_DESCRIPTION = (
    "Only what lies in this area: a 12-digit code (province … village) means that area and everything "
    "below it; a shorter string of digits is a code prefix (610924105 = the town 610924105000). An area "
    "outside your scope is 404 area_not_found, as for an area that does not exist; one that holds your "
    "scope (e.g. 61, asked by a county's user) is narrowed to what you may see. Default: all you may see."
)
AREA_DESCRIPTION = (
    "The area's 12-digit code: your area or one below it; any other, like a code that names no area, "
    "is 404 area_not_found."
)


def in_scope(column: SQLColumnExpression[str], scope_prefix: str) -> ColumnElement[bool]:
    return column.startswith(scope_prefix, autoescape=True)


def no_area(code: str) -> NotFound:
    return NotFound(f"No area {code}", code="area_not_found")


def _prefix(value: str) -> str | None:
    """The code prefix ``value`` stands for; None for a 12-digit string that can name no area."""
    if len(value) != CODE_LENGTH:
        return value
    try:
        return prefix_of(value)
    except AreaCodeError:
        return None


def asked_prefix(value: str, principal: Principal) -> str:
    """The prefix ``value`` stands for, as asked, if it overlaps the caller's scope (lies inside it or
    holds it); else 404. For lists whose own scope rule shows more than the scope (areas above it)."""
    prefix, scope = _prefix(value), principal.scope_prefix
    if prefix is None or not (prefix.startswith(scope) or scope.startswith(prefix)):
        raise no_area(value)
    return prefix


def within_prefix(value: str | None, principal: Principal) -> str:
    """The code prefix a filter leaves: the area asked for (default: the caller's), narrowed to the
    caller's scope; 404 outside it."""
    scope = principal.scope_prefix
    if value is None:
        return scope
    prefix = asked_prefix(value, principal)
    return prefix if len(prefix) > len(scope) else scope  # the two nest: the longer is the narrower


def area_in_scope(area: str | None, principal: Principal) -> str:
    """The 12-digit area a statistic is about (default: the caller's): the caller's area or one below.
    Figures of an area speak for all of it, so one wider than the scope is 404 too, never narrowed."""
    code = area or principal.scope
    if _prefix(code) is None or not principal.covers(code):
        raise no_area(code)
    return code


def area_to_create_in(
    code: str, principal: Principal, field: str = "area_code", at: Sequence[str | int] = ("body",)
) -> str:
    """The area a new record is made in: a real area code (else 422, at ``at``: the body or a batch's
    item) inside the caller's scope (else 403 outside_scope, decided from the codes alone)."""
    if code == NATIONAL_ROOT or not is_valid_scope(code):
        raise ValidationFailed.field([*at, field], f"{code} is not an area code", "area_code_invalid")
    if not principal.covers(code):
        raise Forbidden(f"Area {code} lies outside your area scope", code="outside_scope")
    return code


def area_label(prefix: str) -> str:
    """The area a prefix stands for, as a 12-digit code where it is a whole level's (file names, the
    audit), else the prefix itself."""
    if not prefix:
        return NATIONAL_ROOT
    return prefix.ljust(CODE_LENGTH, "0") if len(prefix) in PREFIX_LENGTH.values() else prefix


def _within_filter(name: str, *, narrowed: bool = True) -> Any:
    """The dependency reading the filter ``name``. It asks for the caller itself (the same cached
    dependency the permission guards use): declare it after the guarded principal, so that a caller
    without the permission is told 403 before anything about the area."""

    # Evaluated here, not postponed (no `from __future__ import annotations` in this module): the
    # annotation names the closure's ``name``, which FastAPI could not resolve later.
    async def within(
        principal: CurrentPrincipal,
        value: Annotated[
            str | None, Query(alias=name, pattern=WITHIN_PATTERN, description=WITHIN_DESCRIPTION)
        ] = None,
    ) -> str | None:
        if narrowed:
            return within_prefix(value, principal)
        return None if value is None else asked_prefix(value, principal)

    return Depends(within)


# The code prefix a list's or ledger's area filter leaves, narrowed to the caller's scope (within_prefix).
WithinQuery = Annotated[str, _within_filter("within")]
AreaWithinQuery = Annotated[str, _within_filter("area")]  # the same filter, where it is called area
# The prefix as asked (None: not asked), for lists that also show what lies above the caller's scope
# (areas, training courses): their own rule of what is visible does the narrowing.
WithinAsAskedQuery = Annotated[str | None, _within_filter("within", narrowed=False)]
# The area a statistic is about, checked with area_in_scope.
AreaQuery = Annotated[str, Query(pattern=r"^[0-9]{12}$", description=AREA_DESCRIPTION)]
OptionalAreaQuery = Annotated[
    str | None, Query(pattern=r"^[0-9]{12}$", description=AREA_DESCRIPTION + " Default: your area.")
]
