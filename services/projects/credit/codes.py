"""Micro-credit's codes, each with its Chinese label."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class LoanState(LabelledEnum):
    """A loan's state on a day, from its due date, balance and write-off (never stored: time moves)."""

    current = "current", "正常"
    due_soon = "due_soon", "即将到期"
    overdue = "overdue", "逾期"
    repaid = "repaid", "已结清"
    written_off = "written_off", "已核销"


class ExtensionState(LabelledEnum):
    """An extension (展期) request's state."""

    requested = "requested", "待审批"
    approved = "approved", "已批准"
    rejected = "rejected", "未批准"


OVERDUE_EVENT = "loan.overdue"  # monitoring raises an alert on the household, once
DEFAULT_WARNING_DAYS = 30
