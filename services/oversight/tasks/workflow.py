"""A rectification item's states and steps, and who may take each: progress is reported and the item
submitted by those responsible (oversight:report); it is closed (销号) or sent back by a reviewer
(oversight:manage) of a wider area than the account that submitted it — never the same level."""

from __future__ import annotations

from services.common.area_codes import level_of, prefix_of
from services.common.auth import Permission, Principal
from services.common.errors import Conflict, Forbidden
from services.common.labels import LabelledEnum


class Source(LabelledEnum):
    inspection_tour = "inspection_tour", "巡视巡察"
    audit = "audit", "审计"
    self_check = "self_check", "自查"
    monitoring_warning = "monitoring_warning", "监测预警"
    superior_letter = "superior_letter", "上级交办"


class ItemState(LabelledEnum):
    open = "open", "待整改"
    in_progress = "in_progress", "整改中"
    submitted = "submitted", "已提交待销号"
    closed = "closed", "已销号"


class ItemAction(LabelledEnum):
    report = "report", "报送进展"
    submit = "submit", "提交销号"
    close = "close", "销号"
    send_back = "send_back", "退回"


PERMISSION = {
    ItemAction.report: Permission.oversight_report,
    ItemAction.submit: Permission.oversight_report,
    ItemAction.close: Permission.oversight_manage,
    ItemAction.send_back: Permission.oversight_manage,
}
FROM_STATES = {
    ItemAction.report: (ItemState.open, ItemState.in_progress),
    ItemAction.submit: (ItemState.in_progress,),
    ItemAction.close: (ItemState.submitted,),
    ItemAction.send_back: (ItemState.submitted,),
}
TO_STATE = {
    ItemAction.report: ItemState.in_progress,
    ItemAction.submit: ItemState.submitted,
    ItemAction.close: ItemState.closed,
    ItemAction.send_back: ItemState.in_progress,
}


def _level(code: str) -> str:
    return "the whole country" if not prefix_of(code) else f"a {level_of(code).value}"


def reviews_above(principal: Principal, submitted_scope: str) -> bool:
    """The reviewer's area is wider than (strictly contains) the area of the account that submitted."""
    mine, theirs = principal.scope_prefix, prefix_of(submitted_scope)
    return len(mine) < len(theirs) and theirs.startswith(mine)


def check_review_level(principal: Principal, submitted_scope: str) -> None:
    if not reviews_above(principal, submitted_scope):
        raise Forbidden(
            f"The item was submitted from {submitted_scope} ({_level(submitted_scope)}); it is closed or "
            f"sent back by a reviewer one level up, and your scope {principal.scope} is "
            f"{_level(principal.scope)}, not above it",
            code="review_not_above_submitter",
        )


def check_step(action: ItemAction, state: str, principal: Principal) -> None:
    principal.require(PERMISSION[action])
    if ItemState(state) not in FROM_STATES[action]:
        raise Conflict(f"'{action.value}' is not open to an item {state}", code=f"item_{state}")


def actions_for(state: str, reports: int, submitted_scope: str | None, area_code: str,
                principal: Principal) -> list[str]:  # fmt: skip
    """The steps the caller may take now."""
    if not principal.covers(area_code):
        return []
    found = []
    for action, states in FROM_STATES.items():
        if ItemState(state) not in states or not principal.can(PERMISSION[action]):
            continue
        if action is ItemAction.submit and reports == 0:
            continue  # evidence first
        if action in (ItemAction.close, ItemAction.send_back) and not (
            submitted_scope and reviews_above(principal, submitted_scope)
        ):
            continue
        found.append(action.value)
    return found
