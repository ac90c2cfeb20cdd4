"""Reading the official division table (统计用区划代码) as the user downloads it: a CSV of code, name and
urban-rural class (城乡分类代码), optionally under a header row. Pure: no database, so it is tested alone.

Every row is checked on its own and refused with its line number; one bad row never loses the others.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from services.common.area_codes import AreaCodeError, AreaLevel, level_of, structural_parent

NAME_MAX = 100  # registry.areas.name is varchar(100)

# The National Bureau of Statistics' urban-rural classes; set on villages and neighbourhoods.
URBAN_RURAL_CLASSES = {
    "111": "主城区",
    "112": "城乡结合区",
    "121": "镇中心区",
    "122": "镇乡结合区",
    "123": "特殊区域",
    "210": "乡中心区",
    "220": "村庄",
}

# Header names we recognise, so a table in the Bureau's own column order (代码, 城乡分类代码, 名称) reads too.
HEADER_NAMES = {
    "code": {"code", "area_code", "代码", "区划代码", "统计用区划代码"},
    "name": {"name", "名称", "区划名称", "单位名称"},
    "urban_rural_class": {"urban_rural_class", "class", "城乡分类代码", "城乡分类"},
}
# Without a header: code, name, then the optional class.
DEFAULT_COLUMNS = {"code": 0, "name": 1, "urban_rural_class": 2}


class TableFileError(ValueError):
    """The file as a whole cannot be read; ``code`` is the stable reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TableRow:
    line: int
    code: str
    name: str
    urban_rural_class: str | None
    level: AreaLevel
    parent_code: str | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    area_code: str  # the cell as written (cut short), for the reader to find it
    code: str  # stable reason
    reason: str


@dataclass
class CodeTable:
    rows: list[TableRow] = field(default_factory=list)  # well-formed rows, each code once
    problems: list[RowProblem] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # every well-formed code in the file, refused or not
    refused: dict[str, int] = field(default_factory=dict)  # well-formed codes refused here: their lines
    rows_read: int = 0


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else GB18030 as Chinese Windows saves it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableFileError(
            "The file is neither UTF-8 nor GB18030 text; save it as CSV (UTF-8)", "unreadable_file"
        ) from exc


def read_table(data: bytes) -> CodeTable:
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = CodeTable()
    columns: dict[str, int] | None = None
    first_lines: dict[str, int] = {}
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header_columns(cells)
                if columns is not None:
                    continue
                columns = DEFAULT_COLUMNS
            table.rows_read += 1
            _read_row(table, reader.line_num, cells, columns, first_lines)
    except csv.Error as exc:
        raise TableFileError(f"The CSV file cannot be read: {exc}", "unreadable_file") from exc
    if table.rows_read == 0:
        raise TableFileError("The file has no rows of codes", "empty_file")
    return table


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """The columns a header row names, or None when the first row is data (it starts with a code)."""
    first = cells[0].strip()
    if first.isascii() and first.isdigit():
        return None
    named = [cell.strip().lower() for cell in cells]
    columns = {
        column: index
        for column, names in HEADER_NAMES.items()
        for index, cell in enumerate(named)
        if cell in names
    }
    if "code" not in columns or "name" not in columns:
        raise TableFileError(
            f"The first row is not a code, so it must be a header naming the columns code and name "
            f"(or 统计用区划代码 and 名称); it reads {','.join(cells)[:200]!r}",
            "unknown_header",
        )
    return columns


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _read_row(
    table: CodeTable, line: int, cells: list[str], columns: dict[str, int], first_lines: dict[str, int]
) -> None:
    code = _cell(cells, columns["code"])

    def refuse(reason_code: str, reason: str) -> None:
        table.problems.append(RowProblem(line, code[:32], reason_code, reason))
        if first_lines.get(code) == line:  # not a repeat: the code's only row is this refused one
            table.refused[code] = line

    try:
        level = level_of(code)
    except AreaCodeError as exc:
        refuse(exc.code, str(exc))
        return
    table.present.add(code)
    if code in first_lines:
        first = first_lines[code]
        refuse("duplicate_code", f"{code} is already on line {first}: a code is read from its first row only")
        return
    first_lines[code] = line
    name = unicodedata.normalize("NFC", _cell(cells, columns["name"]))
    if not name:
        refuse("name_missing", f"{code} has no name")
        return
    if len(name) > NAME_MAX:
        refuse("name_too_long", f"A name has at most {NAME_MAX} characters; this one has {len(name)}")
        return
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        refuse("name_control_characters", "A name may not contain control characters")
        return
    urban_rural = _cell(cells, columns.get("urban_rural_class")) or None
    if urban_rural is not None and urban_rural not in URBAN_RURAL_CLASSES:
        refuse(
            "urban_rural_class_unknown",
            f"{urban_rural!r} is not an urban-rural class ({', '.join(URBAN_RURAL_CLASSES)})",
        )
        return
    table.rows.append(TableRow(line, code, name, urban_rural, level, structural_parent(code)))
