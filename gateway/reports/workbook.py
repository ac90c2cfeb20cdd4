"""The area report as a workbook: one sheet per section, Chinese headings, each list as its own table.

The report is small (counts, not people), so it is built whole with openpyxl's write-only workbook and
sent as one body. Sections are walked generically — numbers become rows, lists of objects become
tables — so a figure a service adds appears in the workbook without a change here. Every area code
carries its name (beside it, or in the same cell), every code its label, and a key that means different
things in different places (the alerts' "open" and the posts') is headed for what it holds there.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gateway.reports.compose import SECTIONS
from services.common.division_names import name_of, official_name

# What each field holds, as a heading. A key that means one thing wherever it appears is here; one that
# means another thing in another place is in IN (the alerts' "open" are alerts, the posts' are places).
LABELS = {
    "as_of": "统计日期",
    "previous_as_of": "同比日期",
    "households": "户数",
    "people": "人数",
    "children": "下级区域",
    "programmes": "享受政策（按类别）",
    "current": "本期",
    "previous": "去年同期",
    "change": "增减",
    "by_status": "按就业状态",
    "away": "外出务工人数",
    "away_by_household_category": "外出务工（按户类别）",
    "away_by_monitoring_type": "外出务工（按监测类型）",
    "away_by_destination": "外出务工（按务工地）",
    "posts": "岗位数",
    "places": "岗位名额",
    "filled": "在岗人数",
    "by_funding_source": "按资金来源",
    "by_type": "按岗位类型",
    "enrolled": "报名人数",
    "in_training": "在训人数",
    "completed": "结业人数",
    "dropped": "退出人数",
    "placed": "就业人数",
    "placement_rate": "就业率（占报名人数）",
    "placement_rate_of_completed": "就业率（占结业人数）",
    "by_place": "按就业地点",
    "place": "就业地点",
    "by_course": "按培训班",
    "course_id": "培训班ID",
    "title": "培训班名称",
    "skill": "工种",
    "monitored": "监测对象",
    "monitored_by_type": "监测对象（按监测类型）",
    "households_unsized": "户籍成员未同步户数（未计人数）",
    "cases_by_state": "按认定环节",
    "cases_past_limit": "超时限未认定户数",
    "alerts": "预警",
    "by_risk": "预警（按风险类型）",
    "visits": "走访",
    "visits_by_cadre": "走访（按帮扶责任人）",
    "pairings": "结对户数",
    "visited": "按期走访户数",
    "not_yet_due": "未到走访期户数",
    "cadre_id": "帮扶责任人ID",
    "cadre_name": "帮扶责任人",
    "label": "名称",  # a label whose code has no heading of its own in CODES
    "projects": "项目数",
    "budget_fen": "预算（分）",
    "received_fen": "到位资金（分）",
    "paid_fen": "已支付（分）",
    "by_sector": "按项目类别",
    "by_source": "按资金来源",
    "by_state": "按项目进度",
    "counterpart": "对口支援（援疆）资金投向",
    "grassroots_fen": "投向基层（分）",
    "livelihood_fen": "投向民生（分）",
    "grassroots_share": "基层占比",
    "livelihood_share": "民生占比",
    "rule_share": "要求占比（每项）",
    "meets_rule": "是否达标",
    # 光伏电站 (the projects service's /station-stats)
    "stations": "电站数",
    "capacity_kw": "装机容量（千瓦）",
    "month": "统计月份",
    "month_output_kwh": "本月发电量（千瓦时）",
    "low_output_stations": "本月低效运行电站数",
    "open_alarms": "未处置告警（按类型）",
    "operation": "运行告警",
    "low_output": "低效运行",
    "damage": "故障损毁",
    "revenue_fen": "本年发电收益（分）",
    "to_posts_fen": "公益岗位工资（分）",
    "to_households_fen": "分红到户（分）",
    "to_village_fen": "村集体（分）",
    # 易地搬迁 (the projects service's /relocation-stats)
    "relocation": "易地扶贫搬迁",
    "settlements": "安置点数",
    "planned_households": "规划户数",
    "planned_relocated": "其中搬迁户（非交钥匙）",
    "planned_turnkey": "其中交钥匙户",
    "signed_up": "签约户数",
    "paid_households": "已缴首付户数",
    "handed_over": "已交房户数",
    "moved_in": "已入住户数",
    "demolished": "已拆旧户数",
    "late_payment": "首付逾期户数",
    "settlements_late": "建设滞后安置点数",
    "by_settlement": "按安置点",
    "settlement_id": "安置点ID",
    "settlement_name": "安置点名称",
    # 驻村考勤 (the oversight service's /oversight-stats)
    "year": "统计年度",
    "members": "驻村人员数",
    "days_present": "在村天数（本年度）",
    "target_days": "目标天数（按在岗时间折算）",
    "behind": "预计未达标人数",
    "by_duty": "按驻村类型",
    "since": "起始日期",
    "sessions": "学习培训宣传",
    "attendance": "人次",
    "cadre_attendance": "干部人次",
    "villager_attendance": "群众人次",
    "cadre_sessions": "干部场次",
    "villager_sessions": "群众场次",
    "sessions_by_kind": "学习培训宣传（按类型）",
    "contacts": "联系群众",
    "counted_as_visits": "计入走访次数",
    "contacts_by_method": "联系群众（按方式）",
    "tasks": "整改事项",
    "tasks_by_source": "整改事项（按问题来源）",
    "opened": "新交办事项数",
    "closed": "已销号事项数",
    "closed_on_time": "按期销号事项数",
    # 小额信贷 (the projects service's /credit-stats)
    "warning_days": "到期预警天数",
    "outstanding_count": "存量贷款笔数",
    "outstanding_fen": "存量贷款余额（分）",
    "due_soon_count": "即将到期笔数",
    "due_soon_fen": "即将到期余额（分）",
    "overdue_count": "逾期笔数",
    "overdue_fen": "逾期余额（分）",
    "repaid_on_time": "按期结清笔数",
    "repaid_late": "逾期后结清笔数",
    "written_off_count": "核销笔数",
    "written_off_fen": "核销金额（分）",
    # 村情 (the registry's /registry-stats/village-profiles): one row per village
    "villages": "各村村情",
    "arable_mu": "耕地面积（亩）",
    "forest_mu": "林地面积（亩）",
    "grain_to_green_mu": "退耕还林面积（亩）",
    "road_hardened_km": "硬化公路（公里）",
    "road_dirt_km": "泥土公路（公里）",
    "groups": "村民小组数",
    "housing_brick": "砖房户数",
    "housing_adobe": "土坯房户数",
    "housing_bought_in_town": "进城入镇购房户数",
    "housing_not_recorded": "住房未登记户数",
    "water_unsafe": "饮水困难户数",
    "poor_households": "贫困户户数",
    "poor_people": "贫困户人数",
    "dibao_households": "低保户数",
    "wubao_households": "五保户数",
}
IN = {
    "alerts.open": "未处置预警数",
    "alerts.overdue": "其中超时限",
    "by_risk.open": "未处置预警数",
    "by_risk.overdue": "其中超时限",
    "visits.overdue": "逾期未走访户数",
    "visits_by_cadre.overdue": "逾期未走访户数",
    "employment.people": "就业状态已登记人数",
    "welfare_posts.open": "空岗（未占名额）",
    # The posts' photovoltaic stations: the month's planned subsidies against the revenue allocated.
    "welfare_posts.stations": "光伏电站（本月岗位补贴与收益分配）",
    "welfare_posts.stations.station_id": "电站ID",
    "welfare_posts.stations.held": "在岗人数",
    "welfare_posts.stations.planned_fen": "本月计划岗位补贴（分）",
    "welfare_posts.stations.allocated_fen": "本月收益分配给公益岗位（分）",
    "welfare_posts.stations.over_allocation": "补贴超出分配",
    "sessions.sessions": "场次",
    "sessions_by_kind.sessions": "场次",
    "contacts.contacts": "联系次数",
    "contacts_by_method.contacts": "联系次数",
    "contacts.households": "联系户数",
    "contacts_by_method.households": "联系户数",
    "tasks.open": "未销号事项数",
    "tasks.overdue": "其中逾期",
    "tasks_by_source.open": "未销号事项数",
    "tasks_by_source.overdue": "其中逾期",
    "relocation.paid_fen": "已缴首付款（分）",
    "by_settlement.paid_fen": "已缴首付款（分）",
}
# A code with its label beside it (the services' English code, and the Chinese the ledgers use).
CODES = {
    "programme": ("帮扶对象类别代码", "帮扶对象类别"),
    "monitoring_type": ("监测类型代码", "监测类型"),
    "state": ("认定环节代码", "认定环节"),
    "risk_code": ("风险类型代码", "风险类型"),
    "status": ("就业状态代码", "就业状态"),
    "household_category": ("户类别代码", "户类别"),
    "funding_source": ("资金来源代码", "资金来源"),
    "type": ("岗位类型代码", "岗位类型"),
    "sector": ("项目类别代码", "项目类别"),
    "source": ("资金来源代码", "资金来源"),
    "duty": ("驻村类型代码", "驻村类型"),
    "kind": ("活动类型代码", "活动类型"),
    "method": ("联系方式代码", "联系方式"),
    "build_status": ("建设进度代码", "建设进度"),  # a settlement's (易地搬迁)
}
# A code whose meaning depends on the section: a project's state is its progress, not a case's step.
SECTION_CODES = {
    "projects.state": ("项目进度代码", "项目进度"),
    "presence.source": ("问题来源代码", "问题来源"),  # a rectification item's
}
AREA_CODE = re.compile(r"[0-9]{12}")
NOT_RECORDED = "（未填写）"
NAMES_MISSING = "（名称暂缺：登记服务未答复）"
TITLES = {section.name: section.title for section in SECTIONS}


class Names:
    """The name a workbook shows beside an area code (see gateway/reports/names)."""

    def __init__(self, registered: dict[str, str] | None) -> None:
        self.registered = registered

    def __call__(self, code: str) -> str:
        if self.registered is None:
            return official_name(code) or NAMES_MISSING
        return name_of(code, self.registered)

    def with_code(self, code: str) -> str:
        return f"{self(code)}（{code}）"


def label(key: str, section: str = "", parent: str = "") -> str:
    """The heading of ``key`` where it appears: in ``parent`` (a figure or table) of ``section``."""
    for qualified in (f"{section}.{parent}.{key}", f"{parent}.{key}", f"{section}.{key}"):
        if qualified in IN:
            return IN[qualified]
    return LABELS.get(key, key)


class _Sheet:
    def __init__(self, workbook: Workbook, title: str, names: Names, section: str = "") -> None:
        self.sheet = workbook.create_sheet(title)
        self.bold = Font(bold=True)
        self.names = names
        self.section = section

    def heading(self, *values: Any) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.font = self.bold
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, *values: Any) -> None:
        self.sheet.append([self.cell(v) for v in values])

    def cell(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return None  # nested further than a table shows; the JSON report has it
        if isinstance(value, Code):
            return str(value)  # its name is in the next column
        if isinstance(value, str) and AREA_CODE.fullmatch(value):
            return self.names.with_code(value)  # a code in no area column still carries its name
        return value


class Code(str):
    """An area code in a code column, its name beside it."""

    __slots__ = ()


Column = tuple[str, Callable[[dict[str, Any]], Any]]


def write_section(sheet: _Sheet, body: dict[str, Any]) -> None:
    section = sheet.section
    scalars = [(k, v) for k, v in body.items() if not isinstance(v, dict | list)]
    sheet.heading("指标", "数值")
    for key, value in scalars:
        if key == "area_code":
            sheet.row("区域", value)  # the code with its name, in one cell
        else:
            sheet.row(label(key, section), value)
    figures = [(k, v) for k, v in body.items() if isinstance(v, dict)]
    for key, value in figures:
        inner = [(k, v) for k, v in value.items() if not isinstance(v, list)]
        sheet.row()
        sheet.heading(label(key, section), *(label(k, section, key) for k, _ in inner))
        sheet.row("", *(v for _, v in inner))
    for key, value in figures:  # a list inside a figure (the alerts by risk) as its own table
        for inner_key, items in value.items():
            if isinstance(items, list) and items and isinstance(items[0], dict):
                sheet.row()
                sheet.heading(label(inner_key, section, key))
                write_table(sheet, items, inner_key)
    for key, items in body.items():
        if isinstance(items, list) and items and isinstance(items[0], dict):
            sheet.row()
            sheet.heading(label(key, section))
            write_table(sheet, items, key)


def write_table(sheet: _Sheet, items: list[dict[str, Any]], parent: str) -> None:
    """A list of objects as a table: what each row is about first (an area or a code, each with its
    name beside it), then its figures; a nested figure ({current, previous, change}) as its own columns."""
    columns = table_columns(items, sheet.section, parent, sheet.names)
    sheet.heading(*(heading for heading, _ in columns))
    for item in items:
        sheet.row(*(value(item) for _, value in columns))


def table_columns(items: list[dict[str, Any]], section: str, parent: str, names: Names) -> list[Column]:
    sample: dict[str, Any] = {}
    for item in items:  # a figure null in one row (a child's visits) may be there in another
        for key, value in item.items():
            if sample.get(key) is None:
                sample[key] = value
    about: list[Column] = []
    figures: list[Column] = []
    for key, value in sample.items():
        if key == "name" or (key == "label" and CODES.keys() & sample.keys()) or isinstance(value, list):
            continue  # a name or label goes beside its code; a list inside a row is in the JSON report
        if key == "area_code":
            about += [("区域代码", lambda item: Code(item["area_code"])), ("区域名称", _area_name(names))]
        elif key == "place_code":  # a placement's place: its code, and the name the placement gave it
            about += [("就业地点代码", _place_code), ("就业地点", _place_name(names))]
        elif key == "destination":
            about += [("务工地代码", _destination_code), ("务工地", _destination(names))]
        elif key in CODES:
            code, name = SECTION_CODES.get(f"{section}.{key}") or CODES[key]
            about += [(code, _get(key)), (name, _get("label"))]
        elif isinstance(value, dict):
            figures += [
                (f"{label(key, section, parent)}·{label(inner, section, key)}", _get(key, inner))
                for inner, v in value.items()
                if not isinstance(v, list)
            ]
        elif isinstance(value, bool) or not isinstance(value, int | float):
            about.append((label(key, section, parent), _get(key)))
        else:
            figures.append((label(key, section, parent), _get(key)))
    return about + figures


def _get(key: str, inner: str | None = None) -> Callable[[dict[str, Any]], Any]:
    if inner is None:
        return lambda item: item.get(key)
    return lambda item: (item.get(key) or {}).get(inner)


def _area_name(names: Names) -> Callable[[dict[str, Any]], Any]:
    return lambda item: item.get("name") or names(item["area_code"])


def _place_code(item: dict[str, Any]) -> Code | None:
    return Code(item["place_code"]) if item.get("place_code") else None


def _place_name(names: Names) -> Callable[[dict[str, Any]], Any]:
    return lambda item: (
        item.get("name") or (names(item["place_code"]) if item.get("place_code") else NOT_RECORDED)
    )


def _destination_code(item: dict[str, Any]) -> Code | None:
    place = item.get("destination")
    return Code(place) if place and AREA_CODE.fullmatch(place) else None


def _destination(names: Names) -> Callable[[dict[str, Any]], Any]:
    def name(item: dict[str, Any]) -> str:
        place = item.get("destination")
        if not place:
            return NOT_RECORDED
        return names(place) if AREA_CODE.fullmatch(place) else place  # a place abroad, in words

    return name


def build_workbook(summary: dict[str, Any], registered: dict[str, str] | None = None) -> bytes:
    names = Names(registered)
    workbook = Workbook(write_only=True)
    cover = _Sheet(workbook, "说明", names)
    cover.heading("区域代码", "区域名称", "统计日期", "是否完整")
    area = summary["area_code"]
    complete = "是" if summary["complete"] else "否（见缺失板块）"
    cover.sheet.append([area, names(area), summary["as_of"], complete])
    if summary["missing"]:
        cover.row()
        cover.heading("缺失板块", "服务", "原因")
        for missing in summary["missing"]:
            cover.row(
                TITLES.get(missing["section"], missing["section"]), missing["service"], missing["reason"]
            )
    for section in SECTIONS:
        body = summary.get(section.name)
        sheet = _Sheet(workbook, section.title, names, section.name)
        if body is None:
            sheet.row("本板块暂缺：服务未能提供数据（见“说明”）")
        else:
            write_section(sheet, body)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def summary_workbook(
    summary: dict[str, Any], registered: dict[str, str] | None = None
) -> AsyncIterator[bytes]:
    yield build_workbook(summary, registered)
