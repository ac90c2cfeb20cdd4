"""A support unit's report as a workbook (``?format=xlsx``): the figures (概况), its team members and
their days in the village (驻村工作队), and each village's figures from the other services (分村情况),
with Chinese headings and each village's name beside its code (the registry's, asked with the caller's
token; the official one or a note when the registry does not answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.common.division_names import name_of
from services.common.errors import FangpinError
from services.common.ledgers import XLSX
from services.common.spreadsheets import Cell, Column, Sheet, xlsx_stream
from services.oversight.codes import Duty, TeamRole, UnitLevel
from services.oversight.tasks.ledger import area_names
from services.oversight.unit_report.schemas import UnitReport, VillageFigures

ROLES = {r.value: r.label for r in TeamRole}
DUTIES = {d.value: d.label for d in Duty}
LEVELS = {u.value: u.label for u in UnitLevel}
FIGURE_COLUMNS = [
    Column("指标", lambda r: r[0], 28),
    Column("数值", lambda r: r[1], 16, "number"),
    Column("说明", lambda r: r[2], 40),
]


def _figures(report: UnitReport) -> list[tuple[str, int | None, str | None]]:
    t, s, c, total = report.tasks, report.sessions, report.contacts, report.totals
    return [
        ("帮扶单位", None, report.name),
        ("单位层级", None, LEVELS.get(report.level, report.level)),
        ("统计起始日期", None, report.period_from.isoformat()),
        ("统计截止日期", None, report.period_to.isoformat()),
        ("帮扶村数", len(report.villages), None),
        ("驻村人员数", report.members, None),
        ("在村天数（期内）", report.days_present, None),
        ("期内交办整改事项数", t.opened, None),
        ("期内销号事项数", t.closed, None),
        ("其中按期销号", t.closed_on_time, None),
        ("未销号事项数（截止日）", t.open, None),
        ("其中逾期", t.overdue, None),
        ("学习培训宣传场次（帮扶村）", s.sessions, None),
        ("干部人次", s.cadre_attendance, None),
        ("群众人次", s.villager_attendance, None),
        ("联系群众次数", c.contacts, "工作队中登记为帮扶干部的成员"),
        ("其中上门走访", c.visits, None),
        ("联系户数", c.households, None),
        ("项目数", total.projects, None),
        ("期内新增项目数", total.projects_added, None),
        ("预算（分）", total.budget_fen, None),
        ("已支付（分）", total.paid_fen, None),
        ("期内支付（分）", total.paid_in_period_fen, None),
        ("结对户数", total.visits_pairings, None),
        ("按期走访户数", total.visits_visited, None),
        ("培训报名人数（期内）", total.training_enrolled, None),
        ("培训结业人数（期内）", total.training_completed, None),
        ("培训后就业人数（期内）", total.training_placed, None),
        ("未取得的数据", len(report.missing), "见分村情况"),
    ]


def _members(report: UnitReport, names: dict[str, str]) -> Sheet:
    rows = [(team.village_code, m) for team in report.teams for m in team.members]
    columns: list[Column] = [
        Column("村代码", lambda r: r[0], 14),
        Column("村名称", lambda r: name_of(r[0], names), 12),
        Column("姓名", lambda r: r[1].name, 10),
        Column("职务", lambda r: ROLES.get(r[1].role, r[1].role), 10),
        Column("驻村类型", lambda r: DUTIES.get(r[1].duty, r[1].duty), 12),
        Column("开始日期", lambda r: r[1].starts_on, 12, "date"),
        Column("结束日期", lambda r: r[1].ends_on, 12, "date"),
        Column("在村天数（期内）", lambda r: r[1].days_present, 12, "number"),
    ]
    return Sheet("驻村工作队", columns, rows)


def _of(part: str, field: str) -> Callable[[VillageFigures], Cell]:
    def value(row: VillageFigures) -> Cell:
        figures: Any = getattr(row, part)
        return None if figures is None else int(getattr(figures, field))

    return value


def _villages(report: UnitReport, names: dict[str, str]) -> Sheet:
    missing: dict[str, list[str]] = {}
    for gone in report.missing:
        missing.setdefault(gone.village_code, []).append(f"{gone.figure}: {gone.reason}")
    columns: list[Column] = [
        Column("村代码", lambda r: r.village_code, 14),
        Column("村名称", lambda r: name_of(r.village_code, names), 12),
        Column("项目数", _of("projects", "projects"), 10, "number"),
        Column("期内新增项目数", _of("projects", "projects_added"), 10, "number"),
        Column("预算（分）", _of("projects", "budget_fen"), 14, "number"),
        Column("已支付（分）", _of("projects", "paid_fen"), 14, "number"),
        Column("期内支付（分）", _of("projects", "paid_in_period_fen"), 14, "number"),
        Column("结对户数", _of("visits", "pairings"), 10, "number"),
        Column("按期走访户数", _of("visits", "visited"), 10, "number"),
        Column("未到走访期户数", _of("visits", "not_yet_due"), 10, "number"),
        Column("逾期未走访户数", _of("visits", "overdue"), 10, "number"),
        Column("培训报名人数", _of("training", "enrolled"), 10, "number"),
        Column("培训结业人数", _of("training", "completed"), 10, "number"),
        Column("培训后就业人数", _of("training", "placed"), 10, "number"),
        Column("未取得的数据", lambda r: "；".join(missing.get(r.village_code, [])) or None, 40),
    ]
    return Sheet("分村情况", columns, report.by_village)


async def report_workbook(request: Request, report: UnitReport) -> Response:
    try:
        names = await area_names(request, report.villages)
    except FangpinError:  # the registry did not answer: the official name, or a note, instead
        names = {}
    sheets = [
        Sheet("概况", FIGURE_COLUMNS, _figures(report)),
        _members(report, names),
        _villages(report, names),
    ]
    name = f"support-unit-{report.unit_id}-{report.period_from}-{report.period_to}.xlsx"
    # A few dozen rows: written whole, then answered.
    content = b"".join([part async for part in xlsx_stream(sheets)])
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
