"""Every workbook the API serves, read as an official reads it: each sheet's heading rows are the ones in
the table below (a renamed heading fails here, on purpose: a heading is what a county reads a column as),
and no cell shows a bare 12-digit area code without its name, in the same cell or the next column.

The world is demo-like (篇1's town in small), so every sheet and every table in it has rows. The list of
workbooks is read from the OpenAPI document: a new endpoint that answers .xlsx fails here until its
headings are in the table.
"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import datetime
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi import FastAPI

from gateway.reports import workbook
from services.common.calendar import CHINA, china_today
from services.common.division_names import UNREGISTERED, name_of, official_name
from services.projects.relocation.ledger import HEADERS as RELOCATION_HEADERS
from tests.support.credit import loan_body
from tests.support.events import relay_of, unreachable
from tests.support.oversight import check_in_body, rectification_body, team_body, unit_body
from tests.support.projects import project_body, receipt
from tests.support.registry import HUANGJIN, LONGQUAN, TOWN, make_areas, make_household, national_id
from tests.support.relocation import settlement_body, settlement_project
from tests.support.security import downloaded
from tests.support.stations import station
from tests.support.system import Database, asgi_client
from tests.test_ledgers import monitoring_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA_CODE = re.compile(r"[0-9]{12}")

REPORT = "/api/v1/reports/area-summary"
UNIT_REPORT = "/api/v1/support-units/{unit_id}/report"
FIGURES_KEY = "figures"  # where read_workbooks puts the report's single figures
# Each workbook's request: path and parameters.
WORKBOOKS: dict[str, dict[str, str]] = {
    "/api/v1/households/export": {"within": TOWN},
    "/api/v1/cases/export": {"within": TOWN},
    "/api/v1/visits/export": {"within": TOWN},
    "/api/v1/employment-records/export": {"area": TOWN},
    "/api/v1/stations/export": {"within": TOWN, "month": "2024-05"},
    "/api/v1/projects/export": {"within": TOWN},
    "/api/v1/assets/export": {"within": TOWN},
    "/api/v1/rectifications/export": {"within": TOWN},
    "/api/v1/loans/export": {"within": TOWN},
    "/api/v1/settlements/export": {"within": TOWN},
    "/api/v1/school-children/export": {"within": TOWN},
    REPORT: {"area": TOWN, "format": "xlsx"},  # today's, as the households are registered today
    UNIT_REPORT: {"format": "xlsx"},
}

# Every heading row of every sheet, in order (a table's heading row is bold; a ledger has one).
# fmt: off
HEADINGS: dict[str, dict[str, list[tuple[str, ...]]]] = {
    "/api/v1/households/export": {
        "户籍台账": [
            ("户编号", "村代码", "村名称", "村民小组", "住址", "户类别", "住房类型", "住房安全等级",
             "饮水安全", "户主", "脱贫年度", "享受政策（当前）", "姓名", "身份证号", "与户主关系", "性别",
             "出生日期", "健康状况", "劳动能力", "在校情况", "参加医保", "生存状态", "死亡日期", "户ID",
             "人员ID"),
        ],
    },
    "/api/v1/cases/export": {
        "监测对象台账": [
            ("户编号", "村代码", "村名称", "监测类型", "风险类型", "认定环节", "首次预警日期",
             "村级评议日期", "公示开始日期", "公示截止日期", "报乡镇审核日期", "乡镇审核日期", "应审定日期",
             "认定决定日期", "纳入监测日期", "提出风险消除日期", "风险消除日期", "帮扶措施", "措施内容",
             "帮扶对象", "责任干部", "措施开始日期", "措施结束日期", "金额（元）", "措施状态", "户ID",
             "帮扶对象人员ID", "监测对象ID", "措施ID"),
        ],
    },
    "/api/v1/visits/export": {
        "走访台账": [
            ("户编号", "村代码", "村名称", "走访时间", "走访人", "帮扶干部", "发现问题", "问题数",
             "问题说明", "晚到记录（未预警）", "户ID", "走访记录ID"),
        ],
    },
    "/api/v1/employment-records/export": {
        "就业台账": [
            ("人员ID", "户ID", "村代码", "村名称", "户类别", "就业状态", "务工地点代码", "务工地点名称",
             "务工地点（填报）", "就业单位", "行业", "开始日期", "结束日期", "月收入（元）", "信息来源",
             "信息日期", "就业意愿", "培训意愿", "记录ID"),
        ],
    },
    "/api/v1/stations/export": {
        "光伏电站台账": [
            ("电站名称", "村代码", "村名称", "装机容量（千瓦）", "并网日期", "统计月份", "月发电量（千瓦时）",
             "月预期发电量（千瓦时）", "低效运行", "未处置告警数", "月发电收益（分）", "公益岗位工资（分）",
             "分红到户（分）", "村集体（分）", "电站ID", "资产ID"),
        ],
    },
    "/api/v1/school-children/export": {
        "控辍保学台账": [
            ("村代码", "村名称", "姓名", "身份证号", "出生日期", "年龄", "户编号", "公安户号", "数据来源",
             "就读情况", "就读学校", "年级", "包保教师", "取证日期", "取证材料", "是否取证", "未在校原因",
             "劝返环节", "找到日期", "劝返日期", "返校日期", "儿童ID"),
        ],
    },
    "/api/v1/projects/export": {
        "项目库台账": [
            ("项目年度", "项目名称", "区划代码", "区划名称", "项目类别", "实施单位", "基层项目",
             "民生项目", "项目状态", "入库日期", "计划开工日期", "计划完工日期", "批复日期", "开工日期",
             "完工日期", "验收日期", "移交日期", "取消日期", "资金来源", "预算资金（分）",
             "到位资金（分）", "支付资金（分）", "项目ID"),
        ],
    },
    "/api/v1/assets/export": {
        "资产台账": [
            ("资产名称", "区划代码", "区划名称", "资产类型", "资产价值（分）", "形成日期", "确权类型",
             "所有权人", "管护责任人", "资产状态", "处置日期", "最近核查年度", "最近核查日期", "核查结果",
             "核查发现问题", "累计收益（分）", "公示中待分配收益（分）", "已分配收益（分）", "来源项目ID",
             "资产ID"),
        ],
    },
    "/api/v1/rectifications/export": {
        "整改台账": [
            ("区划代码", "区划名称", "问题来源", "事项名称", "问题描述", "整改措施", "责任单位", "责任人",
             "交办日期", "整改时限", "整改状态", "进展报告数", "最新进展", "最新进展日期", "提交销号日期",
             "销号日期", "是否逾期", "事项ID"),
        ],
    },
    "/api/v1/loans/export": {
        "小额信贷台账": [
            ("村代码", "村名称", "户编号", "贷款银行", "贷款金额（分）", "年利率", "贴息率",
             "贷款用途（产业）", "放款日期", "到期日期", "展期至", "已还本金（分）", "贷款余额（分）",
             "结清日期", "核销日期", "状态", "距到期天数", "银行业务编号", "贷款ID", "借款人ID"),
        ],
    },
    "/api/v1/settlements/export": {"搬迁台账": [tuple(RELOCATION_HEADERS)]},
    UNIT_REPORT: {
        "概况": [("指标", "数值", "说明")],
        "驻村工作队": [
            ("村代码", "村名称", "姓名", "职务", "驻村类型", "开始日期", "结束日期", "在村天数（期内）"),
        ],
        "分村情况": [
            ("村代码", "村名称", "项目数", "期内新增项目数", "预算（分）", "已支付（分）", "期内支付（分）",
             "结对户数", "按期走访户数", "未到走访期户数", "逾期未走访户数", "培训报名人数", "培训结业人数",
             "培训后就业人数", "未取得的数据"),
        ],
    },
    REPORT: {
        "说明": [
            ("区域代码", "区域名称", "统计日期", "是否完整"),
        ],
        "户籍人口": [
            ("指标", "数值"),
            ("下级区域",),
            ("区域代码", "区域名称", "户数", "人数"),
            ("享受政策（按类别）",),
            ("帮扶对象类别代码", "帮扶对象类别", "户数", "人数"),
        ],
        "监测帮扶": [
            ("指标", "数值"),
            ("监测对象", "户数", "人数", "户籍成员未同步户数（未计人数）"),
            ("预警", "未处置预警数", "其中超时限"),
            ("走访", "结对户数", "按期走访户数", "未到走访期户数", "逾期未走访户数"),
            ("预警（按风险类型）",),
            ("风险类型代码", "风险类型", "未处置预警数", "其中超时限"),
            ("监测对象（按监测类型）",),
            ("监测类型代码", "监测类型", "户数", "人数", "户籍成员未同步户数（未计人数）"),
            ("按认定环节",),
            ("认定环节代码", "认定环节", "户数", "人数", "户籍成员未同步户数（未计人数）"),
            ("走访（按帮扶责任人）",),
            ("帮扶责任人ID", "帮扶责任人", "结对户数", "按期走访户数", "未到走访期户数", "逾期未走访户数"),
            ("下级区域",),
            ("区域代码", "区域名称", "监测对象·户数", "监测对象·人数",
             "监测对象·户籍成员未同步户数（未计人数）", "超时限未认定户数", "预警·未处置预警数",
             "预警·其中超时限", "走访·结对户数", "走访·按期走访户数", "走访·未到走访期户数",
             "走访·逾期未走访户数"),
        ],
        "务工就业": [
            ("指标", "数值"),
            ("就业状态已登记人数", "本期", "去年同期", "增减"),
            ("外出务工人数", "本期", "去年同期", "增减"),
            ("按就业状态",),
            ("就业状态代码", "就业状态", "本期", "去年同期", "增减"),
            ("外出务工（按户类别）",),
            ("户类别代码", "户类别", "本期", "去年同期", "增减"),
            ("外出务工（按监测类型）",),
            ("监测类型代码", "监测类型", "本期", "去年同期", "增减"),
            ("外出务工（按务工地）",),
            ("务工地代码", "务工地", "本期", "去年同期", "增减"),
            ("下级区域",),
            ("区域代码", "区域名称", "就业状态已登记人数·本期", "就业状态已登记人数·去年同期",
             "就业状态已登记人数·增减", "外出务工人数·本期", "外出务工人数·去年同期", "外出务工人数·增减"),
        ],
        "公益岗位": [
            ("指标", "数值"),
            ("按资金来源",),
            ("资金来源代码", "资金来源", "岗位数", "岗位名额", "在岗人数"),
            ("按岗位类型",),
            ("岗位类型代码", "岗位类型", "岗位数", "岗位名额", "在岗人数"),
            ("下级区域",),
            ("区域代码", "区域名称", "岗位数", "岗位名额", "在岗人数", "空岗（未占名额）"),
        ],
        "技能培训": [
            ("指标", "数值"),
            ("按就业地点",),
            ("就业地点代码", "就业地点", "就业人数"),
            ("按培训班",),
            ("培训班ID", "培训班名称", "工种", "报名人数", "结业人数", "就业人数"),
            ("下级区域",),
            ("区域代码", "区域名称", "报名人数", "在训人数", "结业人数", "退出人数", "就业人数"),
        ],
        "项目资金": [
            ("指标", "数值"),
            ("对口支援（援疆）资金投向", "到位资金（分）", "投向基层（分）", "投向民生（分）", "基层占比",
             "民生占比", "要求占比（每项）", "是否达标"),
            ("按项目类别",),
            ("项目类别代码", "项目类别", "项目数", "预算（分）", "到位资金（分）", "已支付（分）"),
            ("按资金来源",),
            ("资金来源代码", "资金来源", "预算（分）", "到位资金（分）", "已支付（分）"),
            ("按项目进度",),
            ("项目进度代码", "项目进度", "项目数"),
            ("下级区域",),
            ("区域代码", "区域名称", "项目数", "预算（分）", "到位资金（分）", "已支付（分）"),
        ],
        "光伏电站": [
            ("指标", "数值"),
            ("未处置告警（按类型）", "运行告警", "低效运行", "故障损毁"),
        ],
        "易地搬迁": [
            ("指标", "数值"),
            ("易地扶贫搬迁", "安置点数", "规划户数", "其中搬迁户（非交钥匙）", "其中交钥匙户", "签约户数",
             "已缴首付户数", "已缴首付款（分）", "已交房户数", "已入住户数", "已拆旧户数", "首付逾期户数",
             "建设滞后安置点数"),
            ("按安置点",),
            ("安置点ID", "安置点名称", "区域代码", "区域名称", "建设进度代码", "建设进度", "规划户数",
             "其中搬迁户（非交钥匙）", "其中交钥匙户", "签约户数", "已缴首付户数", "已缴首付款（分）",
             "已入住户数", "已拆旧户数", "首付逾期户数"),
        ],
        "驻村考勤": [
            ("指标", "数值"),
            ("学习培训宣传", "起始日期", "场次", "人次", "干部人次", "群众人次"),
            ("联系群众", "起始日期", "联系次数", "联系户数", "计入走访次数"),
            ("整改事项", "新交办事项数", "已销号事项数", "按期销号事项数", "未销号事项数", "其中逾期"),
            ("按驻村类型",),
            ("驻村类型代码", "驻村类型", "驻村人员数", "在村天数（本年度）", "目标天数（按在岗时间折算）",
             "预计未达标人数"),
            ("学习培训宣传（按类型）",),
            ("活动类型代码", "活动类型", "场次", "人次", "干部场次", "干部人次", "群众场次", "群众人次"),
            ("联系群众（按方式）",),
            ("联系方式代码", "联系方式", "联系次数", "联系户数"),
            ("整改事项（按问题来源）",),
            ("问题来源代码", "问题来源", "新交办事项数", "已销号事项数", "按期销号事项数", "未销号事项数",
             "其中逾期"),
        ],
        "小额信贷": [
            ("指标", "数值"),
            ("下级区域",),
            ("区域代码", "区域名称", "存量贷款笔数", "存量贷款余额（分）", "即将到期笔数",
             "即将到期余额（分）", "逾期笔数", "逾期余额（分）", "按期结清笔数", "逾期后结清笔数", "核销笔数",
             "核销金额（分）"),
        ],
        "村情": [
            ("指标", "数值"),
            ("各村村情",),
            ("区域代码", "区域名称", "统计年度", "耕地面积（亩）", "林地面积（亩）", "退耕还林面积（亩）",
             "硬化公路（公里）", "泥土公路（公里）", "村民小组数", "户数", "人数", "砖房户数", "土坯房户数",
             "进城入镇购房户数", "住房未登记户数", "饮水困难户数", "贫困户户数", "贫困户人数", "低保户数",
             "五保户数"),
        ],
    },
}
# The report's single figures, by sheet (the rows under 指标/数值).
FIGURES = {
    "户籍人口": ("户数", "人数", "区域", "统计日期"),
    "监测帮扶": ("区域", "超时限未认定户数", "统计日期"),
    "务工就业": ("区域", "统计日期", "同比日期"),
    "公益岗位": ("岗位数", "岗位名额", "在岗人数", "区域", "统计日期", "空岗（未占名额）"),
    "技能培训": ("区域", "统计日期", "报名人数", "在训人数", "结业人数", "退出人数", "就业人数",
             "就业率（占报名人数）", "就业率（占结业人数）"),
    "项目资金": ("区域", "统计日期", "项目数", "预算（分）", "到位资金（分）", "已支付（分）"),
    "光伏电站": ("区域", "统计日期", "电站数", "装机容量（千瓦）", "统计月份", "本月发电量（千瓦时）",
             "本月低效运行电站数", "本年发电收益（分）", "公益岗位工资（分）", "分红到户（分）",
             "村集体（分）"),
    "易地搬迁": ("区域", "统计日期"),
    "驻村考勤": ("区域", "统计日期", "统计年度", "驻村人员数", "在村天数（本年度）", "预计未达标人数"),
    "小额信贷": ("区域", "统计日期", "到期预警天数", "存量贷款笔数", "存量贷款余额（分）", "即将到期笔数",
             "即将到期余额（分）", "逾期笔数", "逾期余额（分）", "按期结清笔数", "逾期后结清笔数", "核销笔数",
             "核销金额（分）"),
    "村情": ("区域", "统计日期"),
    # A support unit's report (its own workbook).
    "概况": ("帮扶单位", "单位层级", "统计起始日期", "统计截止日期", "帮扶村数", "驻村人员数",
           "在村天数（期内）", "期内交办整改事项数", "期内销号事项数", "其中按期销号",
           "未销号事项数（截止日）", "其中逾期",
           "学习培训宣传场次（帮扶村）", "干部人次", "群众人次", "联系群众次数", "其中上门走访", "联系户数",
           "项目数", "期内新增项目数", "预算（分）", "已支付（分）", "期内支付（分）", "结对户数",
           "按期走访户数", "培训报名人数（期内）", "培训结业人数（期内）", "培训后就业人数（期内）",
           "未取得的数据"),
}
# fmt: on


def heading_rows(sheet: Any) -> list[tuple[str, ...]]:
    rows = []
    for row in sheet.iter_rows():
        cells = [cell for cell in row if cell.value is not None]
        if cells and all(cell.font is not None and cell.font.b for cell in cells):
            rows.append(tuple(str(cell.value) for cell in cells))
    return rows


def figure_labels(sheet: Any) -> tuple[str, ...]:
    """The report's single figures: the first column under the sheet's ("指标", "数值") heading."""
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or rows[0][:2] != ("指标", "数值"):
        return ()
    labels = []
    for row in rows[1:]:
        if not any(value is not None for value in row):
            break
        labels.append(str(row[0]))
    return tuple(labels)


def bare_codes(sheet: Any) -> list[str]:
    """Cells holding only an area code whose next cell does not name it."""
    found = []
    for row in sheet.iter_rows(values_only=True):
        for i, value in enumerate(row):
            if isinstance(value, str) and AREA_CODE.fullmatch(value.strip()):
                beside = row[i + 1] if i + 1 < len(row) else None
                if not isinstance(beside, str) or not beside.strip() or AREA_CODE.search(beside):
                    found.append(f"{value} (beside it: {beside!r})")
    return found


async def jobs_world(admin: httpx.AsyncClient, system: FastAPI, people: list[str]) -> None:
    """Employment records (one away in 武汉, one abroad, one local), a post held, a course with a
    placement: so the jobs sheets have every table."""
    records = [
        {"person_id": people[0], "status": "away_out_of_province", "place_code": "420100000000",
         "place_name": "湖北省武汉市", "employer": "远元修脚武汉门店"},
        {"person_id": people[1], "status": "away_out_of_province", "place_name": "马来西亚"},
        {"person_id": people[2], "status": "away_in_county", "place_code": LONGQUAN},
        {"person_id": people[3], "status": "local"},
    ]  # fmt: skip
    items = [
        {"id": str(uuid.uuid4()), "source": "door_to_door", "reported_on": "2025-05-01"} | r for r in records
    ]
    escaped = await make_household(admin, LONGQUAN, members=2, category="escaped")  # 享受政策 has a row
    items.append({"id": str(uuid.uuid4()), "source": "door_to_door", "reported_on": "2025-05-01",
                  "person_id": escaped["members"][0]["id"], "status": "public_welfare_post"})  # fmt: skip
    saved = await admin.post("/api/v1/employment-records/batch", json={"items": items})
    assert saved.status_code == 200 and saved.json()["failed"] == 0, saved.text
    post = await admin.post(
        "/api/v1/welfare-posts",
        json={"area_code": HUANGJIN, "title": "护林员", "type": "forest_ranger", "funding_source": "forestry",
              "monthly_subsidy": 500, "capacity": 3, "starts_on": "2025-01-01"},
    )  # fmt: skip
    assert post.status_code == 201, post.text
    held = await admin.post(
        f"/api/v1/welfare-posts/{post.json()['id']}/assignments",
        json={"person_id": people[3], "starts_on": "2025-02-01"},
    )
    assert held.status_code == 201, held.text
    course = await admin.post(
        "/api/v1/training-courses",
        json={"area_code": TOWN, "title": "修脚足疗培训班", "provider": "县职教中心", "skill": "修脚足疗",
              "starts_on": "2025-03-01"},
    )  # fmt: skip
    assert course.status_code == 201, course.text
    enrolled = await admin.post(
        f"/api/v1/training-courses/{course.json()['id']}/enrolments",
        json={"person_id": people[0], "enrolled_on": "2025-03-01"},
    )
    assert enrolled.status_code == 201, enrolled.text
    enrolment = enrolled.json()
    for action, body in (
        ("complete", {"on": "2025-04-01"}),
        ("place", {"placement": {"employer": "远元修脚武汉门店", "place": "湖北省武汉市",
                                 "place_code": "420100000000", "started_on": "2025-04-15"}}),
    ):  # fmt: skip
        payload = {"action": action, "base_version": enrolment["version"]} | body
        stepped = await admin.post(f"/api/v1/training-enrolments/{enrolment['id']}/actions", json=payload)
        assert stepped.status_code == 200, stepped.text
        enrolment = stepped.json()


async def pairings_known(admin: httpx.AsyncClient, system: FastAPI) -> None:
    """Monitoring has learnt the cadre's pairing from the registry's events (a delivery may wait for
    other transactions on a shared server to end: asked again until it is there)."""
    for _ in range(100):
        await relay_of(system, "registry").deliver_pending()
        stats = await admin.get("/api/v1/monitoring-stats", params={"area": TOWN})  # today's
        if stats.json()["visits_by_cadre"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("monitoring never learnt of the pairing")


async def served_workbooks(admin: httpx.AsyncClient) -> set[str]:
    document = (await admin.get("/api/v1/openapi.json")).json()
    return {
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if XLSX in (operation.get("responses", {}).get("200", {}).get("content") or {})
    }


async def read_workbooks(
    admin: httpx.AsyncClient, paths: list[str], ids: dict[str, str] | None = None
) -> tuple[dict[str, dict[str, list[tuple[str, ...]]]], dict[str, list[str]]]:
    """Each workbook's heading rows by sheet, and the bare codes found in each sheet (``ids`` fills a
    path's {placeholders})."""
    found: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    codes: dict[str, list[str]] = {}
    figures: dict[str, tuple[str, ...]] = {}
    for path in paths:
        url = path
        for placeholder, value in (ids or {}).items():
            url = url.replace("{" + placeholder + "}", value)
        response = await admin.get(url, params=WORKBOOKS[path])
        if response.status_code == 202:  # a ledger written by an export job: its file
            content = await downloaded(admin, response)
        else:
            assert response.status_code == 200, (path, response.text)
            assert response.headers["content-type"] == XLSX, path
            content = response.content
        book = openpyxl.load_workbook(io.BytesIO(content))
        found[path] = {}
        for sheet in book.worksheets:
            assert sheet.max_row > 1, f"{path} {sheet.title}: no rows"
            found[path][sheet.title] = heading_rows(sheet)
            if labels := figure_labels(sheet):
                figures[sheet.title] = labels
            if bare := bare_codes(sheet):
                codes[f"{path} {sheet.title}"] = bare
    found[FIGURES_KEY] = {title: [labels] for title, labels in figures.items()}
    return found, codes


async def test_every_workbook_has_the_expected_headings_and_names_every_code(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
    clean_database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Read when the test runs, not when the module is collected (a run may cross midnight in China).
    as_of, now = china_today().isoformat(), datetime.now(CHINA).replace(microsecond=0).isoformat()
    world = await monitoring_world(admin, user_headers, clean_database)
    people = [m["id"] for h in world["households"].values() for m in h["members"]]
    await jobs_world(admin, system, people)
    await pairings_known(admin, system)
    profile = {"arable_mu": 1650.0, "forest_mu": 5700.0, "grain_to_green_mu": 763.5, "road_hardened_km": 9.8,
               "road_dirt_km": 8.0}  # fmt: skip
    typed = await admin.put(f"/api/v1/areas/{HUANGJIN}/profiles/{as_of[:4]}", json=profile)
    assert typed.status_code == 201, typed.text
    project = (await admin.post("/api/v1/projects", json=project_body(HUANGJIN))).json()
    money = receipt(str(uuid.uuid4()), on=project["entered_on"])
    received = await admin.post(f"/api/v1/projects/{project['id']}/fund-movements", json=money)
    assert received.status_code == 201, received.text
    await station(admin, {}, village=HUANGJIN)
    borrower = next(iter(world["households"].values()))["members"][0]["id"]
    lent = await admin.post("/api/v1/loans", json=loan_body(borrower))
    assert lent.status_code == 201, lent.text
    settled = (await admin.post("/api/v1/projects", json=settlement_project())).json()
    made = (await admin.post("/api/v1/settlements", json=settlement_body(settled["id"]))).json()
    signup = {"household_id": world["households"]["poor"]["id"], "signed_on": as_of}
    signup["unit_type_id"] = made["unit_types"][0]["id"]
    assert (await admin.post(f"/api/v1/settlements/{made['id']}/households", json=signup)).status_code == 201
    unit = (await admin.post("/api/v1/support-units", json=unit_body())).json()
    team = (await admin.post("/api/v1/work-teams", json=team_body(unit["id"], starts_on=as_of))).json()
    checked = await admin.post("/api/v1/check-ins", json=check_in_body(team["members"][0]["id"], at=now))
    assert checked.status_code == 201, checked.text
    item = await admin.post(
        "/api/v1/rectifications", json=rectification_body(received_on=as_of, deadline=as_of, milestones=[])
    )
    assert item.status_code == 201, item.text
    child = {
        "record_id": "GA-1",
        "national_id": national_id("20150301"),
        "name": "张小明",
        "area_code": HUANGJIN,
    }
    fed = await admin.post("/api/v1/school-children/population/batch", json={"records": [child]})
    assert fed.status_code == 200 and fed.json()["created"] == 1, fed.text
    assert await served_workbooks(admin) == set(WORKBOOKS)

    found, codes = await read_workbooks(admin, list(WORKBOOKS), {"unit_id": unit["id"]})
    for path, sheets in HEADINGS.items():
        for title, rows in sheets.items():
            assert found[path].get(title) == rows, (path, title)
    assert found.pop(FIGURES_KEY) == {title: [labels] for title, labels in FIGURES.items()}
    assert found == HEADINGS
    assert codes == {}

    # The same ledgers written by export jobs (more rows than a service streams at once), downloaded.
    ledgers = [path for path in WORKBOOKS if path not in (REPORT, UNIT_REPORT)]
    for part in ("registry", "monitoring", "jobs"):
        monkeypatch.setattr(system.state.local_apps[part].state.settings, "export_inline_max_rows", 1)
    from_jobs, codes = await read_workbooks(admin, ledgers)
    assert {path: from_jobs[path] for path in ledgers} == {path: HEADINGS[path] for path in ledgers}
    assert codes == {}

    # A heading renamed (here back to the posts' word for the alerts' column) fails the comparison.
    monkeypatch.setitem(workbook.IN, "alerts.open", "空岗")
    renamed, _ = await read_workbooks(admin, [REPORT])
    monitoring = renamed[REPORT]["监测帮扶"]
    assert monitoring != HEADINGS[REPORT]["监测帮扶"]
    assert ("预警", "空岗", "其中超时限") in monitoring


async def test_a_bureau_reads_the_names_too_and_without_the_registry_the_names_say_they_are_missing(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await make_household(admin, HUANGJIN, members=2)
    params = {"area": TOWN, "format": "xlsx"}
    async with asgi_client(system, headers=await user_headers("bureau", "bureau_partner", TOWN)) as bureau:
        response = await bureau.get(REPORT, params=params)
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert list(book["说明"].iter_rows(values_only=True))[1][:2] == (TOWN, "蒿坪镇")
    children = list(book["户籍人口"].iter_rows(values_only=True))
    assert (HUANGJIN, "黄金村", 1, 2) in children
    assert ("区域", f"蒿坪镇（{TOWN}）") in [row[:2] for row in children]

    registry = system.state.upstreams["registry"]
    live = registry.client
    registry.client = unreachable()
    try:
        response = await admin.get(REPORT, params=params)
    finally:
        await registry.client.aclose()
        registry.client = live
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cover = list(book["说明"].iter_rows(values_only=True))
    assert cover[1][:2] == (TOWN, workbook.NAMES_MISSING)
    assert all(not bare_codes(sheet) for sheet in book.worksheets)


def test_a_code_is_named_by_the_registry_else_officially_else_said_to_be_unregistered() -> None:
    registered = {HUANGJIN: "黄金村"}
    assert name_of(HUANGJIN, registered) == "黄金村"
    assert name_of("420000000000", registered) == "湖北省"
    assert name_of("420100000000") == "武汉市"
    assert name_of("420105000000") == "（未登记，属湖北省）"  # a district the table does not list
    assert name_of("990000000000") == UNREGISTERED
    assert official_name("110000000000") == "北京市" and official_name("4201") is None


def test_a_code_in_a_column_that_is_not_an_area_column_carries_its_name_in_the_cell() -> None:
    """A figure a service adds later (say, placements grouped by place code) is still named."""
    summary = {
        "area_code": TOWN, "as_of": "2025-01-01", "complete": True, "missing": [],
        "training": {"area_code": TOWN, "by_place": [{"place": "420100000000", "placed": 3}]},
    }  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(workbook.build_workbook(summary, {TOWN: "蒿坪镇"})))
    rows = list(book["技能培训"].iter_rows(values_only=True))
    assert ("武汉市（420100000000）", 3) in [row[:2] for row in rows]
    assert all(not bare_codes(sheet) for sheet in book.worksheets)
