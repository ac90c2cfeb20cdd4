"""Checking one row of an import file; what the whole file must satisfy is checked in ``service``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from services.common.calendar import china_today
from services.registry import national_id
from services.registry.imports.columns import (
    BY_HEADER,
    COLUMNS,
    HOUSEHOLD_FIELDS,
    NO,
    PROGRAMME_FLAGS,
    PROGRAMME_STARTS,
    YES,
    Column,
    codes_by_cell,
)

# A column, where the file has it (None: not in the file), and its conversion.
Step = tuple[Column, "int | None", Callable[[str], Any]]
# The household's cells: the number and its fields.
HOUSEHOLD_CELLS = frozenset(("household_number", *HOUSEHOLD_FIELDS))
NUMBER_PATTERN = re.compile(r"[0-9A-Za-z-]{4,32}")
VILLAGE_PATTERN = re.compile(r"[0-9]{12}")
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9-]{4,19}")
# What could be an ID number (18 characters, or the old 15 digits) inside a reason that quotes a cell.
ID_LIKE = re.compile(r"(?<![0-9])([0-9]{6})([0-9]{5}|[0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        """As kept with the job: a reason quoting a cell that holds an ID number (a shifted cell in a
        hand-kept ledger) shows it masked, or the job would keep the number in clear."""
        reason = ID_LIKE.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], self.reason)
        return {"row": self.row, "column": self.column, "reason": reason, "code": self.code}


@dataclass
class ImportRow:
    row: int
    household: dict[str, Any]  # shared by the rows of one household that follow each other: read only
    person: dict[str, Any]
    number: str  # the person's ID number (never logged, never stored in clear)
    programmes: list[str] = field(default_factory=list)
    programme_starts: list[date | None] = field(default_factory=list)  # each one's start date, if given
    household_digest: bytes = b""  # of the household's fields, to compare rows of one household


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
        # The programmes the file speaks of: a person's 否 ends a period only in a column the file has.
        self.programmes_read = [flag for flag in PROGRAMME_FLAGS if flag in self.position]
        # Each column with the cell it reads (None: not in the file), worked out once per file.
        self.plan = [(column, self.position.get(column.field)) for column in COLUMNS]

    def name(self, column: Column) -> str:
        return self.written.get(column.field, column.label)


class RowChecker:
    """Checks a file's rows in order. A household's fields are repeated on each member's row: when a row
    has the same household cells as the row before, they are not converted again (the same cells give
    the same fields), which saves a third of the work on a typical ledger."""

    def __init__(self, header: Header) -> None:
        self.header = header
        plan = [(column, index, converter_for(column)) for column, index in header.plan]
        self.household_plan = [step for step in plan if step[0].field in HOUSEHOLD_CELLS]
        self.person_plan = [step for step in plan if step[0].field not in HOUSEHOLD_CELLS]
        self.household_indexes = [index for _, index, _ in self.household_plan]
        self.last: tuple[list[str], dict[str, Any], bytes] | None = None  # cells, fields, their digest
        self.today = china_today()

    def __call__(self, cells: list[str], row: int) -> ImportRow | list[RowError]:
        width = len(cells)
        household_cells = [cells[i] if i is not None and i < width else "" for i in self.household_indexes]
        errors: list[RowError] = []
        if self.last is not None and self.last[0] == household_cells:
            household, digest = self.last[1], self.last[2]
        else:
            household, digest = self._converted(self.household_plan, cells, row, errors), b""
        person = self._converted(self.person_plan, cells, row, errors)
        if errors:
            return errors
        if not digest:
            household["category"] = household["category"] or "ordinary"
            fields = repr([household[name] for name in HOUSEHOLD_FIELDS]).encode()
            digest = hashlib.blake2b(fields, digest_size=16).digest()
            self.last = (household_cells, household, digest)
        try:
            parsed = national_id.parse(person["national_id"], today=self.today)
        except national_id.NationalIdError as exc:
            return [RowError(row, self.header.name(BY_HEADER["national_id"]), str(exc), exc.code)]
        if (person["health"] == "disabled") != (person["disability_grade"] is not None):
            return [
                RowError(
                    row,
                    self.header.name(BY_HEADER["disability_grade"]),
                    "A disability grade (1–4) is given exactly when the person is disabled (残疾)",
                    "disability_grade_mismatch",
                )
            ]
        checked_person = {
            "name": person["name"],
            "relation": person["relation"],
            "health": person["health"] or "healthy",
            "disability_grade": person["disability_grade"],
            "labour_ability": person["labour_ability"],
            "schooling": person["schooling"],
            "medical_insured": person["medical_insured"],
            "birth_date": parsed.birth_date,
            "sex": parsed.sex,
        }
        programmes = [flag for flag in PROGRAMME_FLAGS if person[flag]]
        starts = [person[PROGRAMME_STARTS[flag]] for flag in programmes]
        for flag, starts_on in zip(programmes, starts, strict=True):
            if starts_on is not None and starts_on > self.today:
                column = self.header.name(BY_HEADER[PROGRAMME_STARTS[flag]])
                return [RowError(row, column, f"{starts_on} is after today", "date_in_future")]
        return ImportRow(row, household, checked_person, parsed.number, programmes, starts, digest)

    def _converted(
        self, plan: list[Step], cells: list[str], row: int, errors: list[RowError]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        width = len(cells)
        for column, index, convert in plan:
            cell = cells[index].strip() if index is not None and index < width else ""
            try:
                values[column.field] = convert(cell)
            except ValueError as exc:
                code = getattr(exc, "code", "invalid_value")
                errors.append(RowError(row, self.header.name(column), str(exc), code))
        return values


class _Invalid(ValueError):
    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.code = code


@cache
def converter_for(column: Column) -> Callable[[str], Any]:
    """The column's check and conversion of a stripped cell, worked out once per column."""
    empty = False if column.field in PROGRAMME_FLAGS else None
    if column.enum is not None:
        codes, enum = codes_by_cell(column.enum), column.enum

        def convert(cell: str) -> Any:
            value = codes.get(cell)
            if value is None:
                raise _Invalid(f"{cell!r} is not one of: {enum.describe()}", "unknown_code")
            return value

    else:
        convert = _CONVERTERS.get(column.field) or (lambda cell: _text(cell, 100))
    if not column.required:
        return lambda cell: convert(cell) if cell else empty

    def required(cell: str) -> Any:
        if not cell:
            raise _Invalid("This column must not be empty", "required")
        return convert(cell)

    return required


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")


def _text(cell: str, limit: int) -> str:
    if len(cell) > limit or CONTROL_CHARACTERS.search(cell):
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
    **{starts: _date for starts in PROGRAMME_STARTS.values()},
}
