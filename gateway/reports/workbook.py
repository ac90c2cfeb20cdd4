"""The area report as a workbook: one sheet per section, Chinese headings, each list as its own table.

The report is small (counts, not people), so it is built whole with openpyxl's write-only workbook and
sent as one body. Sections are walked generically — numbers become rows, lists of objects become
tables — so a figure a service adds appears in the workbook without a change here.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gateway.reports.compose import SECTIONS

LABELS = {
    "area_code": "区域代码",
    "name": "区域名称",
    "as_of": "统计日期",
    "previous_as_of": "同比日期",
    "households": "户数",
    "people": "人数",
    "children": "下级区域",
    "programmes": "帮扶对象类别",
    "programme": "类别代码",
    "label": "名称",
    "current": "本期",
    "previous": "去年同期",
    "change": "增减",
    "status": "状态",
    "by_status": "按就业状态",
    "away": "外出务工",
    "away_by_household_category": "外出务工（按户类别）",
    "away_by_destination": "外出务工（按务工地）",
    "household_category": "户类别",
    "destination": "务工地",
    "posts": "岗位数",
    "places": "岗位名额",
    "filled": "在岗人数",
    "open": "空岗",
    "by_funding_source": "按资金来源",
    "funding_source": "资金来源",
    "by_type": "按岗位类型",
    "type": "类型",
    "enrolled": "报名人数",
    "in_training": "在训人数",
    "completed": "结业人数",
    "dropped": "退出人数",
    "placed": "就业人数",
    "placement_rate": "就业率",
    "placement_rate_of_completed": "结业人员就业率",
    "by_place": "按就业地点",
    "place": "就业地点",
    "by_course": "按培训班",
    "course_id": "培训班ID",
    "title": "培训班",
    "skill": "工种",
    "monitored": "监测对象",
    "monitored_by_type": "监测对象（按类型）",
    "monitoring_type": "监测类型",
    "households_unsized": "户籍成员未同步户数（未计人数）",
    "cases_by_state": "按认定环节",
    "state": "环节",
    "cases_past_limit": "超时限对象",
    "alerts": "预警",
    "overdue": "超期",
    "by_risk": "按风险类型",
    "risk_code": "风险类型",
    "visits": "走访",
    "visits_by_cadre": "走访（按帮扶责任人）",
    "pairings": "结对户数",
    "visited": "按期走访",
    "not_yet_due": "未到期",
    "cadre_id": "帮扶责任人ID",
    "cadre_name": "帮扶责任人",
    "section": "板块",
    "service": "服务",
    "reason": "原因",
}
TITLES = {section.name: section.title for section in SECTIONS}


def label(key: str) -> str:
    return LABELS.get(key, key)


class _Sheet:
    def __init__(self, workbook: Workbook, title: str) -> None:
        self.sheet = workbook.create_sheet(title)
        self.bold = Font(bold=True)

    def heading(self, *values: Any) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.font = self.bold
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, *values: Any) -> None:
        self.sheet.append([_cell(v) for v in values])


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return None  # nested further than a table shows; the JSON report has it
    return value


def write_section(sheet: _Sheet, body: dict[str, Any]) -> None:
    scalars = [(k, v) for k, v in body.items() if not isinstance(v, dict | list)]
    sheet.heading("指标", "数值")
    for key, value in scalars:
        sheet.row(label(key), value)
    figures = [(k, v) for k, v in body.items() if isinstance(v, dict)]
    for key, value in figures:
        sheet.row()
        sheet.heading(label(key), *(label(k) for k in value))
        sheet.row("", *value.values())
    for key, items in body.items():
        if isinstance(items, list) and items and isinstance(items[0], dict):
            sheet.row()
            sheet.heading(label(key))
            write_table(sheet, items)


def write_table(sheet: _Sheet, items: list[dict[str, Any]]) -> None:
    """A list of objects as a table; a nested figure ({current, previous, change}) as its own columns."""
    columns: list[tuple[str, str | None]] = []
    for key, value in items[0].items():
        if isinstance(value, dict):
            columns += [(key, inner) for inner in value]
        elif not isinstance(value, list):
            columns.append((key, None))
    sheet.heading(*(label(k) if inner is None else f"{label(k)}·{label(inner)}" for k, inner in columns))
    for item in items:
        sheet.row(*((item.get(k) or {}).get(inner) if inner else item.get(k) for k, inner in columns))


def build_workbook(summary: dict[str, Any]) -> bytes:
    workbook = Workbook(write_only=True)
    cover = _Sheet(workbook, "说明")
    cover.heading("区域代码", "统计日期", "是否完整")
    cover.row(summary["area_code"], summary["as_of"], "是" if summary["complete"] else "否（见缺失板块）")
    if summary["missing"]:
        cover.row()
        cover.heading("缺失板块", "服务", "原因")
        for missing in summary["missing"]:
            cover.row(
                TITLES.get(missing["section"], missing["section"]), missing["service"], missing["reason"]
            )
    for section in SECTIONS:
        body = summary.get(section.name)
        sheet = _Sheet(workbook, section.title)
        if body is None:
            sheet.row("本板块暂缺：服务未能提供数据（见“说明”）")
        else:
            write_section(sheet, body)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def summary_workbook(summary: dict[str, Any]) -> AsyncIterator[bytes]:
    yield build_workbook(summary)
