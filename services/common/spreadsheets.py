"""Ledgers (台账) as files officials open in a spreadsheet: CSV or XLSX, streamed.

Rows arrive in partitions (an async iterator of row sequences, e.g. a database cursor's) and leave as
bytes right away, so memory stays flat however many rows there are, and the first bytes leave at once
(a gateway waiting for a finished workbook would time out on a county). XLSX is written here as a zip
stream (the format is a zip of XML parts) rather than with openpyxl, whose workbooks are only zipped up
at the end.

A column says its Chinese header, how to get its value from a row, its width and its kind of cell:
``text`` (a str), ``date`` (a date), ``datetime`` (a datetime; one with a zone is shown in China time)
or ``number`` (int, Decimal or float). A value of None leaves the cell empty. A workbook has one or more
named sheets, each with its own columns and rows; a sheet longer than Excel's 1,048,576 rows continues
on a next sheet (the name with 2, 3 … after it).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Sequence
from contextlib import aclosing, suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from services.common.calendar import CHINA

Cell = str | int | float | Decimal | date | datetime | None
Kind = Literal["text", "date", "datetime", "number"]
Partitions = AsyncIterable[Sequence[Any]]
LIST_PARTITION = 1000  # rows given as a plain list are written this many at a time


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[Any], Cell]
    width: float = 14
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Sheet:
    """A named sheet: its columns, and its rows as partitions (or, for a small sheet, a plain list)."""

    name: str
    columns: Sequence[Column]
    rows: Partitions | Sequence[Any]


# --- CSV --------------------------------------------------------------------------------------------


async def csv_stream(
    columns: Sequence[Column], partitions: Partitions | Sequence[Any]
) -> AsyncIterator[bytes]:
    """One table as UTF-8 CSV with a byte-order mark (else Excel reads the Chinese as garbage)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(column.header) for column in columns])
    yield ("\ufeff" + buffer.getvalue()).encode()
    values = [column.value for column in columns]
    async with _partitions(partitions) as source:
        async for rows in source:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([_text(value(row)) for value in values] for row in rows)
            if text := buffer.getvalue():
                # A lone surrogate (possible in a str, never in the database) cannot be UTF-8: a "?".
                yield text.encode("utf-8", "replace")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # A spreadsheet would run text that starts like a formula (CSV injection): make it plain text.
        return "'" + value if value[:1] in FORMULA_STARTS else value
    if isinstance(value, datetime):
        return _wall_clock(value).isoformat(sep=" ", timespec="seconds")
    return value.isoformat() if isinstance(value, date) else str(value)


FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def _wall_clock(moment: datetime) -> datetime:
    """China's clock time of a moment with a zone (a naive one is taken as it is)."""
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment.tzinfo is not None else moment


# --- XLSX -------------------------------------------------------------------------------------------

MAX_SHEET_ROWS = 1_048_576  # Excel's limit; a longer sheet continues on a next one
MAX_NAME = 31  # Excel's limit on a sheet name's length
_NOT_IN_NAMES = frozenset("[]:*?/\\")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Every .xml part not named otherwise is a worksheet, so this is known before the sheets are counted.
CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
# Style 1: a date (yyyy-mm-dd); style 2: the bold header; style 3: a date and time.
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's dates (1900 system, after its leap bug)
# Escapes markup, and drops what XML 1.0 cannot carry at all: control characters, U+FFFE and U+FFFF
# (which pass as text and would make the whole workbook unreadable) and lone surrogates (not UTF-8).
XML_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\ufffe": None, "\uffff": None}
    | {chr(c): None for c in range(32) if chr(c) not in "\t\n\r"}
    | {chr(c): None for c in range(0xD800, 0xE000)}
)
# Most text needs none of that; finding out is much cheaper than translating (the hot loop's main cost).
NEEDS_ESCAPING = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]").search
XML_ATTRIBUTE = str.maketrans({'"': "&quot;"})
SHEET_END = "</sheetData></worksheet>"


def column_letters(number: int) -> str:
    """A column's letters from its number: 1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _sheet_start(columns: Sequence[Column]) -> bytes:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{column.width}" customWidth="1"/>'
        for i, column in enumerate(columns, start=1)
    )
    header = "".join(
        f'<c r="{column_letters(i)}1" t="inlineStr" s="2"><is><t>{name}</t></is></c>'
        for i, name in enumerate((column.header.translate(XML_TEXT) for column in columns), start=1)
    )
    return (
        _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<cols>{cols}</cols><sheetData><row r="1">{header}</row>'
    ).encode()


def _row_writer(columns: Sequence[Column]) -> Callable[[int, Any], str]:
    """A function from (row number, row) to the row's XML: the hot loop of an export, so one f-string per
    cell and no calls it can do without."""
    cells = [(column_letters(i), column.value, column.kind) for i, column in enumerate(columns, start=1)]
    text, escaping, epoch = XML_TEXT, NEEDS_ESCAPING, EXCEL_EPOCH

    def row_xml(number: int, row: Any) -> str:
        n = str(number)
        parts = [f'<row r="{n}">']
        for letter, value, kind in cells:
            cell: Any = value(row)  # the column's kind says which of its types it is
            if cell is None:
                continue
            if kind == "text":
                if escaping(cell):
                    cell = cell.translate(text)
                parts.append(f'<c r="{letter}{n}" t="inlineStr"><is><t>{cell}</t></is></c>')
            elif kind == "date":
                parts.append(f'<c r="{letter}{n}" s="1"><v>{cell.toordinal() - epoch}</v></c>')
            elif kind == "number":
                parts.append(f'<c r="{letter}{n}"><v>{cell}</v></c>')
            else:
                parts.append(f'<c r="{letter}{n}" s="3"><v>{_serial(cell)}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    return row_xml


def _serial(moment: datetime) -> float:
    """Excel's number for a date and time (days since its epoch, the time as a fraction of a day)."""
    clock = _wall_clock(moment)
    seconds = clock.hour * 3600 + clock.minute * 60 + clock.second
    return clock.toordinal() - EXCEL_EPOCH + seconds / 86400


class _Sink(io.RawIOBase):
    """Where the zip writes; what it wrote is taken away after every partition. Not seekable, so the
    zip puts each part's sizes after its data (a data descriptor) instead of going back for them."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def check_sheet_names(names: Sequence[str]) -> None:
    """Names Excel accepts: 1 to 31 characters, none of []:*?/\\, not quoted, each once (any case)."""
    if not names:
        raise ValueError("A workbook needs at least one sheet")
    seen: set[str] = set()
    for name in names:
        if not 0 < len(name) <= MAX_NAME or _NOT_IN_NAMES & set(name) or name[0] == "'" or name[-1] == "'":
            raise ValueError(f"{name!r} cannot name a sheet (1-31 characters, none of []:*?/\\, no quotes)")
        if name.casefold() in seen or name.casefold() == "history":
            raise ValueError(f"The sheet name {name!r} is taken")
        seen.add(name.casefold())


def _continuation(name: str, taken: set[str]) -> str:
    """The name of a sheet that continues ``name``: 就业台账 → 就业台账2 (shortened to fit, never taken)."""
    number = 2
    while True:
        suffix = str(number)
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            taken.add(candidate.casefold())
            return candidate
        number += 1


async def xlsx_stream(sheets: Sequence[Sheet]) -> AsyncIterator[bytes]:
    """A workbook of the sheets in order, streamed as it is written."""
    check_sheet_names([sheet.name for sheet in sheets])
    taken = {sheet.name.casefold() for sheet in sheets}
    names: list[str] = []  # every worksheet part in order, continuations included
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=4) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        for sheet in sheets:
            async for data in _write_sheet(archive, sink, sheet, names, taken):
                yield data
        workbook, rels = _workbook(names)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
    yield sink.take()


async def _write_sheet(
    archive: zipfile.ZipFile, sink: _Sink, sheet: Sheet, names: list[str], taken: set[str]
) -> AsyncIterator[bytes]:
    start, row_xml, limit = _sheet_start(sheet.columns), _row_writer(sheet.columns), MAX_SHEET_ROWS
    names.append(sheet.name)
    part = archive.open(f"xl/worksheets/sheet{len(names)}.xml", "w")
    part.write(start)
    number = 1  # the header's row
    try:
        async with _partitions(sheet.rows) as source:
            async for rows in source:
                parts: list[str] = []
                for row in rows:
                    if number == limit:
                        part.write(("".join(parts) + SHEET_END).encode())
                        part.close()
                        parts, number = [], 1
                        names.append(_continuation(sheet.name, taken))
                        part = archive.open(f"xl/worksheets/sheet{len(names)}.xml", "w")
                        part.write(start)
                    number += 1
                    parts.append(row_xml(number, row))
                part.write("".join(parts).encode())
                if data := sink.take():
                    yield data
    except BaseException:
        # The file is broken off; close the part so the zip closes quietly and the cause shows alone.
        with suppress(Exception):
            part.close()
        raise
    part.write(SHEET_END.encode())
    part.close()


def _workbook(names: list[str]) -> tuple[str, str]:
    sheets = "".join(
        f'<sheet name="{name.translate(XML_TEXT).translate(XML_ATTRIBUTE)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    workbook = _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    rels += f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return workbook, _HEAD + f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'


# --- rows -------------------------------------------------------------------------------------------


def _partitions(rows: Partitions | Sequence[Any]) -> aclosing[AsyncGenerator[Sequence[Any], None]]:
    """The partitions, closed when the file is done or abandoned (a client gone mid-download releases
    the database session reading the rows at once, not when the garbage collector comes by)."""
    return aclosing(_each_partition(rows))


async def _each_partition(rows: Partitions | Sequence[Any]) -> AsyncGenerator[Sequence[Any], None]:
    if isinstance(rows, AsyncIterable):
        iterator = aiter(rows)
        try:
            async for partition in iterator:
                yield partition
        finally:
            if (close := getattr(iterator, "aclose", None)) is not None:
                await close()
    else:
        for start in range(0, len(rows), LIST_PARTITION):
            yield rows[start : start + LIST_PARTITION]
