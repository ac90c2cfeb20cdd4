"""The 12-digit statistical division code (统计用区划代码) and the area scope built on it.

Layout: province 2, city 2, county 2, town 3, village 3 digits. An area's *prefix* is its code without
the trailing levels (a county 520221000000 has prefix 520221), so "X is inside Y" is a prefix test.
The all-zero code stands for the whole country (the root scope).
"""

from __future__ import annotations

from enum import StrEnum

CODE_LENGTH = 12
NATIONAL_ROOT = "000000000000"


class AreaLevel(StrEnum):
    province = "province"  # 省
    city = "city"  # 市/州
    county = "county"  # 县/区
    town = "town"  # 乡镇/街道
    village = "village"  # 行政村/社区


# Digits of the code that are significant at each level.
PREFIX_LENGTH: dict[AreaLevel, int] = {
    AreaLevel.province: 2,
    AreaLevel.city: 4,
    AreaLevel.county: 6,
    AreaLevel.town: 9,
    AreaLevel.village: 12,
}
LEVEL_ORDER = list(PREFIX_LENGTH)


class AreaCodeError(ValueError):
    """A string that is not a well-formed division code; ``code`` says which rule it broke."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def check_code(code: str) -> str:
    if len(code) != CODE_LENGTH:
        raise AreaCodeError(f"An area code has 12 digits; {code!r} has {len(code)}", "area_code_length")
    if not code.isascii() or not code.isdigit():
        raise AreaCodeError(f"An area code has only the digits 0-9; got {code!r}", "area_code_digits")
    if code == NATIONAL_ROOT:
        raise AreaCodeError("000000000000 is the whole country, not an area", "area_code_root")
    return code


def level_of(code: str) -> AreaLevel:
    """The level a well-formed code stands for, read from which segments are non-zero."""
    check_code(code)
    if code[:2] == "00":
        raise AreaCodeError(f"{code}: the province digits cannot be 00", "area_code_segment")
    level = AreaLevel.village
    for candidate in LEVEL_ORDER:
        if set(code[PREFIX_LENGTH[candidate] :]) <= {"0"}:
            level = candidate
            break
    return level


def prefix_of(code: str) -> str:
    """Significant digits of a code or of the national root ('' = everything)."""
    if code == NATIONAL_ROOT:
        return ""
    return code[: PREFIX_LENGTH[level_of(code)]]


def structural_parent(code: str) -> str | None:
    """The code of the level directly above, or None for a province."""
    level = level_of(code)
    index = LEVEL_ORDER.index(level)
    if index == 0:
        return None
    parent_len = PREFIX_LENGTH[LEVEL_ORDER[index - 1]]
    return code[:parent_len].ljust(CODE_LENGTH, "0")


def is_within(code: str, scope: str) -> bool:
    """True when ``code`` is the scope's area or lies below it."""
    return code.startswith(prefix_of(scope))


def is_valid_scope(code: str) -> bool:
    if code == NATIONAL_ROOT:
        return True
    try:
        level_of(code)
    except AreaCodeError:
        return False
    return True


def is_village(code: str) -> bool:
    """A well-formed village (行政村) code: where households live."""
    try:
        return level_of(code) == AreaLevel.village
    except AreaCodeError:
        return False
