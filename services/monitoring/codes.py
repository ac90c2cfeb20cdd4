"""Monitoring's stable English codes and their Chinese labels (documented in the OpenAPI text)."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class RiskCode(LabelledEnum):
    """What a finding (and so an alert) is about: the guarantees, income, spending and risk events."""

    food_clothing = "food_clothing", "吃穿未保障"
    compulsory_education = "compulsory_education", "义务教育未保障"
    medical_insurance = "medical_insurance", "未参加基本医疗保险"
    unsafe_housing = "unsafe_housing", "住房不安全"
    unsafe_water = "unsafe_water", "饮水不安全"
    low_income = "low_income", "人均纯收入低于监测标准"
    large_expense = "large_expense", "刚性支出较大"
    income_drop = "income_drop", "收入骤减"
    spending_jump = "spending_jump", "支出骤增"
    illness = "illness", "因病"
    disability = "disability", "因残"
    disaster = "disaster", "因灾"
    accident = "accident", "因意外事故"
    job_loss = "job_loss", "失业/返乡无收入"
    loan_overdue = "loan_overdue", "小额信贷逾期"


class Severity(LabelledEnum):
    high = "high", "高"
    medium = "medium", "中"
    low = "low", "低"


class Schooling(LabelledEnum):
    in_school = "in_school", "在校"
    home_schooling = "home_schooling", "送教上门"
    dropped_out = "dropped_out", "辍学"
    not_enrolled = "not_enrolled", "未入学"


class RiskEventKind(LabelledEnum):
    illness = "illness", "患病"
    disability = "disability", "致残"
    disaster = "disaster", "受灾"
    accident = "accident", "意外事故"
    job_loss = "job_loss", "失业"


class AlertState(LabelledEnum):
    open = "open", "待处理"
    acknowledged = "acknowledged", "已受理"
    case_opened = "case_opened", "已纳入识别"
    dismissed = "dismissed", "已排除"


class AlertSource(LabelledEnum):
    inspection = "inspection", "干部排查"
    registry = "registry", "户籍信息变更"
    employment = "employment", "就业信息"
    partner = "partner", "部门筛查预警"
    self_declared = "self_declared", "农户自主申报"
    credit = "credit", "小额信贷"
    school = "school", "控辍保学台账"


# An alert is live (repeats attach to it) until it becomes a case or is dismissed.
LIVE_ALERT_STATES = (AlertState.open.value, AlertState.acknowledged.value)
