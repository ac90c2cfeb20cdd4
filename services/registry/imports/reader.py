"""Streaming readers: rows come one at a time, so memory does not grow with the file."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook


class UnreadableFile(ValueError):
    pass


def detect_format(path: Path, declared: str | None = None) -> str:
    fmt = (declared or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx"):
        raise UnreadableFile(f"Give a .csv or .xlsx file (not {fmt or 'a file without extension'})")
    return fmt


def rows(path: Path, fmt: str) -> Iterator[list[str]]:
    """The file's rows as lists of text cells, the header first."""
    return _csv_rows(path) if fmt == "csv" else _xlsx_rows(path)


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            return "gb18030"  # spreadsheets saved on Chinese Windows
    return "utf-8"


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding=_encoding(path), newline="") as handle:
        try:
            yield from csv.reader(handle)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"The CSV file cannot be read: {exc}") from exc


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile(f"The XLSX file cannot be read: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 typed as 3; ID numbers must be text cells anyway
    if hasattr(value, "date") and callable(value.date):  # a datetime cell
        return value.date().isoformat()
    return str(value).strip()


def count_rows(path: Path, fmt: str) -> int:
    """Data rows (header excluded), for progress: newlines for CSV (quoted line breaks are rare in
    ledgers, so this is an estimate), the sheet's recorded size for XLSX."""
    if fmt == "csv":
        lines = 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    try:
        workbook = load_workbook(path, read_only=True)
    except Exception as exc:
        raise UnreadableFile(f"The XLSX file cannot be read: {exc}") from exc
    try:
        return max((workbook.worksheets[0].max_row or 1) - 1, 0)
    finally:
        workbook.close()
