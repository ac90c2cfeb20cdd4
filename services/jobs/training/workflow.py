"""An enrolment's life as data: which action moves it from which state to which. Pure, so the rules
read in one place.

报名 enrolled → 结业 completed → 就业 placed; or enrolled → 退出 dropped.
"""

from __future__ import annotations

from services.common.labels import LabelledEnum


class EnrolmentState(LabelledEnum):
    enrolled = "enrolled", "在训"
    completed = "completed", "已结业"
    dropped = "dropped", "已退出"
    placed = "placed", "已就业"


class EnrolmentAction(LabelledEnum):
    complete = "complete", "结业"
    drop = "drop", "退出培训"
    place = "place", "就业安置"


S, A = EnrolmentState, EnrolmentAction

TRANSITIONS: dict[EnrolmentState, dict[EnrolmentAction, EnrolmentState]] = {
    S.enrolled: {A.complete: S.completed, A.drop: S.dropped},
    S.completed: {A.place: S.placed},
}

# Enrolments that hold a place on a course with limited places.
HOLDS_PLACE = frozenset({S.enrolled, S.completed, S.placed})


def next_state(state: str, action: str) -> EnrolmentState | None:
    return TRANSITIONS.get(EnrolmentState(state), {}).get(EnrolmentAction(action))


def allowed_actions(state: str) -> list[str]:
    return [action.value for action in TRANSITIONS.get(EnrolmentState(state), {})]
