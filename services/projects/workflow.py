"""A project's steps as data: which action moves it from which state to which, who may take it and what
it needs. Pure, so the rules read in one place (as the cases' workflow does in monitoring).

入库 → 批复 (county) → 开工 (town or county) → 完工 (town or county) → 验收 (county) → 移交 (county: an asset
is formed). Until completion the county may adjust it (调整: new dates or budget) or cancel it, each with
the reason and the document that ordered it (篇4: the letter of 3/11, the draft of 3/16).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import Permission, Principal
from services.projects.codes import ProjectAction, ProjectState


@dataclass(frozen=True)
class Step:
    to: ProjectState
    permission: Permission
    who: str  # said in a 403: who takes this step
    needs_reason: bool = False  # and the document that ordered it


S, A = ProjectState, ProjectAction
MANAGE, REPORT = Permission.projects_manage, Permission.projects_report
COUNTY, TOWN = "the county (县级项目管理)", "the town or the county (实施监管)"


def _until_completed(state: ProjectState) -> dict[ProjectAction, Step]:
    return {
        A.adjust: Step(state, MANAGE, COUNTY, needs_reason=True),
        A.cancel: Step(S.cancelled, MANAGE, COUNTY, needs_reason=True),
    }


TRANSITIONS: dict[ProjectState, dict[ProjectAction, Step]] = {
    S.in_library: {
        A.approve: Step(S.approved, MANAGE, COUNTY),
        A.cancel: Step(S.cancelled, MANAGE, COUNTY, needs_reason=True),
    },
    S.approved: {A.start: Step(S.started, REPORT, TOWN), **_until_completed(S.approved)},
    S.started: {A.complete: Step(S.completed, REPORT, TOWN), **_until_completed(S.started)},
    S.completed: {A.accept: Step(S.accepted, MANAGE, COUNTY)},
    S.accepted: {A.hand_over: Step(S.handed_over, MANAGE, COUNTY)},
    S.handed_over: {},
    S.cancelled: {},
}

# The date column each step fills in (the day it happened, as the caller says).
STEP_DATE = {
    A.approve: "approved_on",
    A.start: "started_on",
    A.complete: "completed_on",
    A.accept: "accepted_on",
    A.hand_over: "handed_over_on",
    A.cancel: "cancelled_on",
}


def allowed_actions(state: ProjectState, principal: Principal) -> list[ProjectAction]:
    """The actions the caller may take now (a project read lists them, as a case does)."""
    return [action for action, step in TRANSITIONS[state].items() if principal.can(step.permission)]
