"""Checking one row of an import file; what the whole file must satisfy is checked in ``service``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.registry import national_id
from services.registry.imports.columns import (
    BY_HEADER,
    COLUMNS,
    HOUSEHOLD_FIELDS,
    NO,
    PROGRAMME_FLAGS,
    YES,
    Column,
    enum_value,
)

NUMBER_PATTERN = re.compile(r"[0-9A-Za-z-]{4,32}")
VILLAGE_PATTERN = re.compile(r"[0-9]{12}")
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9-]{4,19}")


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason, "code": self.code}


@dataclass
class ImportRow:
    row: int
    household: dict[str, Any]
    person: dict[str, Any]
    number: str  # the person's ID number (never logged, never stored in clear)
    programmes: list[str] = field(default_factory=list)


class Header:
    """Which column of the file holds which field, and what the file calls it (for error messages)."""

    def __init__(self, cells: list[str]) -> None:
        self.position: dict[str, int] = {}
        self.written: dict[str, str] = {}
        self.unknown: list[str] = []
        for index, cell in enumerate(cells):
            name = cell.strip()
            column = BY_HEADER.get(name) or BY_HEADER.get(name.lower())
            if column is None:
                if name:
                    self.unknown.append(name)
                continue
            self.position[column.field] = index
            self.written[column.field] = name
        self.missing = [c.label for c in COLUMNS if c.required and c.field not in self.position]
        # Each column with the cell it reads (None: not in the file), worked out once per file.
        self.plan = [(column, self.position.get(column.field)) for column in COLUMNS]

    def name(self, column: Column) -> str:
        return self.written.get(column.field, column.label)


def check_row(cells: list[str], header: Header, row: int) -> ImportRow | list[RowError]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    width = len(cells)
    for column, index in header.plan:
        cell = cells[index].strip() if index is not None and index < width else ""
        try:
            values[column.field] = _convert(column, cell)
        except ValueError as exc:
            errors.append(RowError(row, header.name(column), str(exc), getattr(exc, "code", "invalid_value")))
    if errors:
        return errors
    try:
        parsed = national_id.parse(values["national_id"])
    except national_id.NationalIdError as exc:
        return [RowError(row, header.name(BY_HEADER["national_id"]), str(exc), exc.code)]
    if (values["health"] == "disabled") != (values["disability_grade"] is not None):
        return [
            RowError(
                row,
                header.name(BY_HEADER["disability_grade"]),
                "A disability grade (1–4) is given exactly when the person is disabled (残疾)",
                "disability_grade_mismatch",
            )
        ]
    household = {name: values[name] for name in HOUSEHOLD_FIELDS}
    household["household_number"] = values["household_number"]
    household["category"] = household["category"] or "ordinary"
    person = {
        "name": values["name"],
        "relation": values["relation"],
        "health": values["health"] or "healthy",
        "disability_grade": values["disability_grade"],
        "labour_ability": values["labour_ability"],
        "schooling": values["schooling"],
        "medical_insured": values["medical_insured"],
        "birth_date": parsed.birth_date,
        "sex": parsed.sex,
    }
    programmes = [flag for flag in PROGRAMME_FLAGS if values[flag]]
    return ImportRow(row, household, person, parsed.number, programmes)


class _Invalid(ValueError):
    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.code = code


def _convert(column: Column, cell: str) -> Any:
    if not cell:
        if column.required:
            raise _Invalid("This column must not be empty", "required")
        return False if column.field in PROGRAMME_FLAGS else None
    if column.enum is not None:
        value = enum_value(column.enum, cell)
        if value is None:
            raise _Invalid(f"{cell!r} is not one of: {column.enum.describe()}", "unknown_code")
        return value
    converter = _CONVERTERS.get(column.field)
    return converter(cell) if converter else _text(cell, 100)


def _text(cell: str, limit: int) -> str:
    if len(cell) > limit or any(ord(ch) < 32 for ch in cell):
        raise _Invalid(f"At most {limit} characters on one line")
    return cell


def _integer(low: int, high: int):  # noqa: ANN202
    def convert(cell: str) -> int:
        try:
            value = int(cell)
        except ValueError as exc:
            raise _Invalid(f"{cell!r} is not a whole number") from exc
        if not low <= value <= high:
            raise _Invalid(f"{value} is not between {low} and {high}", "out_of_range")
        return value

    return convert


def _area(cell: str) -> float:
    try:
        value = round(float(cell), 2)
    except ValueError as exc:
        raise _Invalid(f"{cell!r} is not a number of 亩") from exc
    if not 0 <= value <= 100_000:
        raise _Invalid(f"{value} 亩 is not plausible", "out_of_range")
    return value


def _date(cell: str) -> date:
    try:
        return date.fromisoformat(cell.replace("/", "-")[:10])
    except ValueError as exc:
        raise _Invalid(f"{cell!r} is not a date like 2023-01-01") from exc


def _yes_no(cell: str) -> bool:
    lowered = cell.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise _Invalid(f"{cell!r} is not 是 or 否")


def _pattern(pattern: re.Pattern[str], what: str):  # noqa: ANN202
    def convert(cell: str) -> str:
        if not pattern.fullmatch(cell):
            raise _Invalid(f"{cell!r} is not a {what}")
        return cell

    return convert


_CONVERTERS = {
    "household_number": _pattern(NUMBER_PATTERN, "household number (4–32 letters, digits, -)"),
    "village_code": _pattern(VILLAGE_PATTERN, "12-digit village code"),
    "group_no": _integer(1, 999),
    "address": lambda cell: _text(cell, 200),
    "household_phone": _pattern(PHONE_PATTERN, "phone number"),
    "cultivated_land_mu": _area,
    "forest_land_mu": _area,
    "poverty_exit_year": _integer(2013, 2100),
    "registered_on": _date,
    "name": lambda cell: _text(cell, 50),
    "national_id": lambda cell: cell,
    "disability_grade": _integer(1, 4),
    "medical_insured": _yes_no,
    "dibao": _yes_no,
    "tekun": _yes_no,
    "disability_subsidy": _yes_no,
}
