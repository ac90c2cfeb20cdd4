"""The employment ledger (就业台账): its columns, written by the shared spreadsheet writer
(services/common/spreadsheets: streamed CSV or XLSX, flat memory however many rows). Each code carries
its name beside it: the village's and the place's from the registry (the caller's areas), a place
elsewhere from the official names (services/common/division_names); the place as typed comes after."""

from __future__ import annotations

from collections.abc import Mapping

from services.common.division_names import name_of
from services.common.spreadsheets import Column
from services.jobs.employment.codes import HOUSEHOLD_CATEGORY_LABELS, EmploymentStatus, InformationSource

STATUS_LABELS = {s.value: s.label for s in EmploymentStatus}
SOURCE_LABELS = {s.value: s.label for s in InformationSource}


def columns(areas: Mapping[str, str]) -> list[Column]:
    """The ledger's columns, with ``areas`` the registry's names of the codes it holds."""
    return [
        Column("人员ID", lambda r: str(r.person_id), 38),
        Column("户ID", lambda r: str(r.household_id), 38),
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column(
            "户类别", lambda r: HOUSEHOLD_CATEGORY_LABELS.get(r.household_category, r.household_category), 10
        ),
        Column("就业状态", lambda r: STATUS_LABELS[r.status], 14),
        Column("务工地点代码", lambda r: r.place_code, 14),
        Column("务工地点名称", lambda r: name_of(r.place_code, areas) if r.place_code else None, 16),
        Column("务工地点（填报）", lambda r: r.place_name, 20),
        Column("就业单位", lambda r: r.employer, 24),
        Column("行业", lambda r: r.industry, 14),
        Column("开始日期", lambda r: r.started_on, 12, "date"),
        Column("结束日期", lambda r: r.ended_on, 12, "date"),
        Column("月收入（元）", lambda r: r.monthly_income, 12, "number"),
        Column("信息来源", lambda r: SOURCE_LABELS[r.source], 10),
        Column("信息日期", lambda r: r.reported_on, 12, "date"),
        Column("就业意愿", lambda r: r.job_intention, 20),
        Column("培训意愿", lambda r: r.training_wanted, 20),
        Column("记录ID", lambda r: str(r.id), 38),
    ]


HEADERS = [column.header for column in columns({})]
SHEET_NAME = "就业台账"
