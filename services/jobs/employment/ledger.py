"""The employment ledger (就业台账) as a file officials open in a spreadsheet: CSV or XLSX, streamed.

Rows come from the database in partitions and leave as bytes right away, so memory stays flat however
many rows there are, and the first bytes leave at once (a gateway waiting for a finished workbook
would time out on a county). XLSX is written here as a zip stream (the format is a zip of XML parts)
rather than with openpyxl, whose workbooks are only zipped up at the end.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from services.jobs.employment.codes import HOUSEHOLD_CATEGORY_LABELS, EmploymentStatus, InformationSource

Cell = str | Decimal | date | None
Partitions = AsyncIterator[Sequence[Any]]

STATUS_LABELS = {s.value: s.label for s in EmploymentStatus}
SOURCE_LABELS = {s.value: s.label for s in InformationSource}
COLUMNS: list[tuple[str, Callable[[Any], Cell], int, str]] = [  # header, value, width, kind of cell
    ("人员ID", lambda r: str(r.person_id), 38, "s"),
    ("户ID", lambda r: str(r.household_id), 38, "s"),
    ("村代码", lambda r: r.area_code, 14, "s"),
    ("户类别", lambda r: HOUSEHOLD_CATEGORY_LABELS.get(r.household_category, r.household_category), 10, "s"),
    ("就业状态", lambda r: STATUS_LABELS[r.status], 14, "s"),
    ("务工地点代码", lambda r: r.place_code, 14, "s"),
    ("务工地点", lambda r: r.place_name, 20, "s"),
    ("就业单位", lambda r: r.employer, 24, "s"),
    ("行业", lambda r: r.industry, 14, "s"),
    ("开始日期", lambda r: r.started_on, 12, "d"),
    ("结束日期", lambda r: r.ended_on, 12, "d"),
    ("月收入（元）", lambda r: r.monthly_income, 12, "n"),
    ("信息来源", lambda r: SOURCE_LABELS[r.source], 10, "s"),
    ("信息日期", lambda r: r.reported_on, 12, "d"),
    ("就业意愿", lambda r: r.job_intention, 20, "s"),
    ("培训意愿", lambda r: r.training_wanted, 20, "s"),
    ("记录ID", lambda r: str(r.id), 38, "s"),
]
HEADERS = [header for header, _, _, _ in COLUMNS]


async def csv_stream(partitions: Partitions) -> AsyncIterator[bytes]:
    # The byte-order mark makes Excel read the file as UTF-8 (else the Chinese is garbled).
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for rows in partitions:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_text(value(row)) for _, value, _, _ in COLUMNS] for row in rows)
        yield buffer.getvalue().encode()


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # A spreadsheet would run text that starts like a formula (CSV injection): make it plain text.
        return "'" + value if value[:1] in FORMULA_STARTS else value
    return value.isoformat() if isinstance(value, date) else str(value)


FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


# --- XLSX -------------------------------------------------------------------------------------------

SHEET_NAME = "就业台账"
MAX_SHEET_ROWS = 1_048_576  # Excel's limit; a longer ledger continues on a next sheet
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
# Style 1: a date (yyyy-mm-dd); style 2: the bold header.
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
EXCEL_EPOCH = date(1899, 12, 30)
# Escapes markup, and drops what XML 1.0 cannot carry at all (input text never has control characters,
# but U+FFFE and U+FFFF pass as text and would make the whole workbook unreadable).
XML_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\ufffe": None, "\uffff": None}
    | {chr(c): None for c in range(32) if chr(c) not in "\t\n\r"}
)
LETTERS = [chr(ord("A") + i) for i in range(len(COLUMNS))]


def _sheet_start() -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, (_, _, width, _) in enumerate(COLUMNS, start=1)
    )
    header = "".join(
        f'<c r="{letter}1" t="inlineStr" s="2"><is><t>{name.translate(XML_TEXT)}</t></is></c>'
        for letter, name in zip(LETTERS, HEADERS, strict=True)
    )
    return (
        _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<cols>{cols}</cols><sheetData><row r="1">{header}</row>'
    )


SHEET_END = "</sheetData></worksheet>"


# Kinds of cell: "d" a date, "n" a number, "s" text.
_CELLS = [(letter, value, kind) for letter, (_, value, _, kind) in zip(LETTERS, COLUMNS, strict=True)]


def _row(number: int, row: Any) -> str:
    """One row's XML (the hot loop of an export: one f-string per cell, no calls it can do without)."""
    n = str(number)
    parts = [f'<row r="{n}">']
    for letter, value, kind in _CELLS:
        cell = value(row)
        if cell is None:
            continue
        if kind == "s":
            parts.append(f'<c r="{letter}{n}" t="inlineStr"><is><t>{cell.translate(XML_TEXT)}</t></is></c>')
        elif kind == "d":
            parts.append(f'<c r="{letter}{n}" s="1"><v>{(cell - EXCEL_EPOCH).days}</v></c>')
        else:
            parts.append(f'<c r="{letter}{n}"><v>{cell}</v></c>')
    parts.append("</row>")
    return "".join(parts)


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


def _workbook(sheets: int) -> tuple[str, str]:
    names = "".join(
        f'<sheet name="{SHEET_NAME}{n if n > 1 else ""}" sheetId="{n}" r:id="rId{n}"/>'
        for n in range(1, sheets + 1)
    )
    workbook = _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{names}</sheets></workbook>'
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    rels += f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return workbook, _HEAD + f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'


async def xlsx_stream(partitions: Partitions) -> AsyncIterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=4) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        sheets, number = 1, 1
        sheet = archive.open("xl/worksheets/sheet1.xml", "w")
        sheet.write(_sheet_start().encode())
        async for rows in partitions:
            parts = []
            for row in rows:
                if number == MAX_SHEET_ROWS:
                    sheet.write(("".join(parts) + SHEET_END).encode())
                    sheet.close()
                    parts, sheets, number = [], sheets + 1, 1
                    sheet = archive.open(f"xl/worksheets/sheet{sheets}.xml", "w")
                    sheet.write(_sheet_start().encode())
                number += 1
                parts.append(_row(number, row))
            sheet.write("".join(parts).encode())
            if data := sink.take():
                yield data
        sheet.write(SHEET_END.encode())
        sheet.close()
        workbook, rels = _workbook(sheets)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
    yield sink.take()
