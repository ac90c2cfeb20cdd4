"""The streamed spreadsheet writer (services/common/spreadsheets): workbooks of several named sheets that
open in openpyxl with the right headers, values and kinds of cell; a sheet continued past Excel's row
limit; CSV that no spreadsheet runs as a formula; text XML cannot carry."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest

from services.common import spreadsheets
from services.common.spreadsheets import Column, Sheet, column_letters, csv_stream, xlsx_stream

PEOPLE = [
    Column("姓名", lambda r: r.name, 10),
    Column("出生日期", lambda r: r.born, 12, "date"),
    Column("收入（元）", lambda r: r.income, 12, "number"),
    Column("走访时间", lambda r: r.visited_at, 18, "datetime"),
]


def person(name: str, born: date | None, income: Any, visited_at: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(name=name, born=born, income=income, visited_at=visited_at)


async def in_partitions(rows: Sequence[Any], size: int) -> AsyncIterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


async def test_a_workbook_of_several_sheets_opens_with_names_headers_and_kinds_of_cell() -> None:
    people = [
        person("王建国", date(1980, 1, 1), Decimal("2400.50"), datetime(2025, 10, 10, 2, 30, tzinfo=UTC)),
        person("李秀英", None, 0),
        person("张三", date(2016, 2, 29), 12, datetime(2025, 1, 2, 8, 15)),
    ]
    summary = [SimpleNamespace(what="户数", count=3), SimpleNamespace(what="人数", count=7)]
    totals = [Column("项目", lambda r: r.what, 10), Column("数量", lambda r: r.count, 8, "number")]
    data = await collect(
        xlsx_stream(
            [
                Sheet("户籍台账", PEOPLE, in_partitions(people, 2)),
                Sheet("汇总", totals, summary),  # a small sheet: a plain list
                Sheet("空表", PEOPLE, []),
            ]
        )
    )
    book = workbook(data)
    assert book.sheetnames == ["户籍台账", "汇总", "空表"]
    rows = list(book["户籍台账"].iter_rows(values_only=True))
    assert rows[0] == ("姓名", "出生日期", "收入（元）", "走访时间")
    assert rows[1] == ("王建国", datetime(1980, 1, 1), 2400.5, datetime(2025, 10, 10, 10, 30))  # China time
    assert rows[2] == ("李秀英", None, 0, None)
    assert rows[3] == ("张三", datetime(2016, 2, 29), 12, datetime(2025, 1, 2, 8, 15))  # naive: as it is
    assert len(rows) == 4
    sheet = book["户籍台账"]
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "n"
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 10 and sheet.column_dimensions["D"].width == 18
    assert list(book["汇总"].iter_rows(values_only=True)) == [("项目", "数量"), ("户数", 3), ("人数", 7)]
    assert list(book["空表"].iter_rows(values_only=True)) == [("姓名", "出生日期", "收入（元）", "走访时间")]


async def test_rows_stream_as_they_come_not_at_the_end() -> None:
    people = [person(f"人{i}", date(1990, 1, 1), i) for i in range(3000)]
    chunks = [chunk async for chunk in xlsx_stream([Sheet("台账", PEOPLE, in_partitions(people, 1000))])]
    assert len([c for c in chunks if c]) >= 3  # a chunk per partition at least, then the end
    assert len(list(workbook(b"".join(chunks))["台账"].iter_rows())) == 3001


async def test_a_sheet_past_the_row_limit_continues_on_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_SHEET_ROWS", 5)  # a header and 4 rows a sheet
    people = [person(f"人{i}", None, i) for i in range(10)]
    others = [person("另", None, 99)]
    data = await collect(
        xlsx_stream([Sheet("台账", PEOPLE, in_partitions(people, 3)), Sheet("台账2", PEOPLE, others)])
    )
    book = workbook(data)
    # "台账2" is taken by the second sheet, so the continuations skip it.
    assert book.sheetnames == ["台账", "台账3", "台账4", "台账2"]
    numbers = [
        [row[2] for row in book[name].iter_rows(min_row=2, values_only=True)] for name in book.sheetnames
    ]
    assert numbers == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [99]]
    assert all(book[name]["A1"].value == "姓名" for name in book.sheetnames)


async def test_text_that_xml_cannot_carry_is_dropped_and_markup_is_escaped() -> None:
    nasty = "保洁 & 巡河 <公益岗>\x00\x07\x1b\ufffe\uffff\ud800 \"引号\" 'x' \t换\n行"
    data = await collect(xlsx_stream([Sheet('A&B "表"', PEOPLE, [person(nasty, None, None)])]))
    book = workbook(data)
    assert book.sheetnames == ['A&B "表"']
    assert book.active["A2"].value == "保洁 & 巡河 <公益岗> \"引号\" 'x' \t换\n行"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None


async def test_csv_has_a_bom_headers_and_no_formulas() -> None:
    people = [
        person('=HYPERLINK("x")', date(1980, 1, 2), Decimal("-5.5"), datetime(2025, 1, 1, tzinfo=UTC)),
        person("+1", None, None),
        person("-2", None, 3),
        person("@SUM(A1)", None, None),
        person("\tTAB", None, None),
        person("\rCR", None, None),
        person('王, "引"\n换行', None, None),
        person("a=1", None, None),
    ]
    data = await collect(csv_stream(PEOPLE, in_partitions(people, 3)))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "出生日期", "收入（元）", "走访时间"]
    assert [r[0] for r in rows[1:]] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR", "王, \"引\"\n换行", "a=1",
    ]  # fmt: skip
    # Numbers are not text: a negative amount stays a number; dates as ISO, times in China time.
    assert rows[1][1:] == ["1980-01-02", "-5.5", "2025-01-01 08:00:00"]
    assert rows[3][2] == "3"
    assert len(rows) == 9


async def test_csv_of_a_plain_list_and_a_lone_surrogate() -> None:
    data = await collect(csv_stream(PEOPLE, [person("坏\ud800字", None, 1)]))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1] == ["坏?字", "", "1", ""]


def test_column_letters_go_past_z() -> None:
    assert [column_letters(n) for n in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip


async def test_a_wide_sheet_puts_each_value_under_its_header() -> None:
    columns = [Column(f"列{i}", lambda r, i=i: r[i], 6, "number") for i in range(30)]
    book = workbook(await collect(xlsx_stream([Sheet("宽表", columns, [list(range(30))])])))
    rows = list(book["宽表"].iter_rows(values_only=True))
    assert rows == [tuple(f"列{i}" for i in range(30)), tuple(range(30))]
    assert book["宽表"]["AD2"].value == 29


@pytest.mark.parametrize(
    "names",
    [[], ["a" * 32], ["有/斜杠"], ["[x]"], ["'quoted'"], ["台账", "台账"], ["Sheet", "sheet"], ["History"]],
)
async def test_names_excel_would_refuse_are_refused_before_anything_is_written(names: list[str]) -> None:
    with pytest.raises(ValueError):
        await collect(xlsx_stream([Sheet(name, PEOPLE, []) for name in names]))


async def test_a_failure_while_reading_rows_is_what_the_stream_raises() -> None:
    async def failing() -> AsyncIterator[Sequence[Any]]:
        yield [person("甲", None, 1)]
        raise ConnectionResetError("the database went away")

    stream = xlsx_stream([Sheet("台账", PEOPLE, failing())])
    with pytest.raises(ConnectionResetError, match="went away"):
        await collect(stream)
