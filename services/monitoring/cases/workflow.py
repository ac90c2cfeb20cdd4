"""The identification and exit workflow as data: which action moves a case from which state to which,
who may take it, and what it needs. Pure, so the rules read in one place and are tested alone.

识别: an alert becomes a case in village deliberation (村级评议) → public notice (公示, objections
recorded) → town review (乡镇审核) → county approval (县级审定) → enrolled (监测对象).
风险消除: enrolled → exit proposed (village) → town → county → eliminated.
Any step may return the case one step back or reject it, with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import Permission
from services.common.labels import LabelledEnum


class CaseState(LabelledEnum):
    village_deliberation = "village_deliberation", "村级评议"
    public_notice = "public_notice", "公示"
    town_review = "town_review", "乡镇审核"
    county_review = "county_review", "县级审定"
    enrolled = "enrolled", "已纳入监测"
    exit_village = "exit_village", "风险消除·村级评议"
    exit_town = "exit_town", "风险消除·乡镇审核"
    exit_county = "exit_county", "风险消除·县级审定"
    eliminated = "eliminated", "风险已消除"
    rejected = "rejected", "不予纳入"


class MonitoringType(LabelledEnum):
    unstable = "unstable", "脱贫不稳定户"
    marginal = "marginal", "边缘易致贫户"
    sudden_hardship = "sudden_hardship", "突发严重困难户"


class CaseAction(LabelledEnum):
    start_notice = "start_notice", "评议通过，开始公示"
    object = "object", "公示异议"
    submit = "submit", "报乡镇审核"
    approve = "approve", "审核/审定通过"
    return_ = "return", "退回"
    reject = "reject", "不予纳入/驳回"
    propose_exit = "propose_exit", "提出风险消除"


@dataclass(frozen=True)
class Step:
    to: CaseState
    permission: Permission
    who: str  # said in a 403: who takes this step
    needs_reason: bool = False


S, A = CaseState, CaseAction
VILLAGE, TOWN, COUNTY = Permission.cases_village, Permission.cases_town, Permission.cases_county

TRANSITIONS: dict[CaseState, dict[CaseAction, Step]] = {
    S.village_deliberation: {
        A.start_notice: Step(S.public_notice, VILLAGE, "the village (村级评议)"),
        A.reject: Step(S.rejected, VILLAGE, "the village (村级评议)", needs_reason=True),
    },
    S.public_notice: {
        A.object: Step(S.public_notice, VILLAGE, "the village, recording an objection", needs_reason=True),
        A.submit: Step(S.town_review, VILLAGE, "the village, after the notice period"),
        A.reject: Step(S.rejected, VILLAGE, "the village (村级评议)", needs_reason=True),
    },
    S.town_review: {
        A.approve: Step(S.county_review, TOWN, "the town (乡镇审核)"),
        A.return_: Step(S.village_deliberation, TOWN, "the town (乡镇审核)", needs_reason=True),
        A.reject: Step(S.rejected, TOWN, "the town (乡镇审核)", needs_reason=True),
    },
    S.county_review: {
        A.approve: Step(S.enrolled, COUNTY, "the county (县级审定)"),
        A.return_: Step(S.town_review, COUNTY, "the county (县级审定)", needs_reason=True),
        A.reject: Step(S.rejected, COUNTY, "the county (县级审定)", needs_reason=True),
    },
    S.enrolled: {
        A.propose_exit: Step(S.exit_village, VILLAGE, "the village (风险消除评议)"),
    },
    S.exit_village: {
        A.submit: Step(S.exit_town, VILLAGE, "the village (风险消除评议)"),
        A.return_: Step(S.enrolled, VILLAGE, "the village (风险消除评议)", needs_reason=True),
    },
    S.exit_town: {
        A.approve: Step(S.exit_county, TOWN, "the town (乡镇审核)"),
        A.return_: Step(S.exit_village, TOWN, "the town (乡镇审核)", needs_reason=True),
    },
    S.exit_county: {
        A.approve: Step(S.eliminated, COUNTY, "the county (县级审定)"),
        A.return_: Step(S.exit_town, COUNTY, "the county (县级审定)", needs_reason=True),
    },
}

OPEN_STATES = frozenset(S) - {S.eliminated, S.rejected}
# Until the county decides, the identification clock runs (SLA: first alert → county decision).
UNDECIDED_STATES = frozenset({S.village_deliberation, S.public_notice, S.town_review, S.county_review})
# Monitored households (监测对象): enrolled, until the county confirms the risk is gone.
MONITORED_STATES = frozenset({S.enrolled, S.exit_village, S.exit_town, S.exit_county})


def step_for(state: str, action: str) -> Step | None:
    return TRANSITIONS.get(CaseState(state), {}).get(CaseAction(action))
