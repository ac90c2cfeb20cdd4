"""An enrolment's life as data: which action moves it from which state to which. Pure, so the rules
read in one place.

报名 enrolled → 结业 completed → 就业 placed → 离岗 left (the job found ended); or enrolled → 退出 dropped.
"""

from __future__ import annotations

from services.common.labels import LabelledEnum


class EnrolmentState(LabelledEnum):
    enrolled = "enrolled", "在训"
    completed = "completed", "已结业"
    dropped = "dropped", "已退出"
    placed = "placed", "已就业"
    left = "left", "已离岗"


class EnrolmentAction(LabelledEnum):
    complete = "complete", "结业"
    drop = "drop", "退出培训"
    place = "place", "就业安置"
    leave = "leave", "离岗"


S, A = EnrolmentState, EnrolmentAction

TRANSITIONS: dict[EnrolmentState, dict[EnrolmentAction, EnrolmentState]] = {
    S.enrolled: {A.complete: S.completed, A.drop: S.dropped},
    S.completed: {A.place: S.placed},
    S.placed: {A.leave: S.left},
}

# Enrolments that hold a place on a course with limited places.
HOLDS_PLACE = frozenset({S.enrolled, S.completed, S.placed, S.left})


def next_state(state: str, action: str) -> EnrolmentState | None:
    return TRANSITIONS.get(EnrolmentState(state), {}).get(EnrolmentAction(action))


def allowed_actions(state: str) -> list[str]:
    return [action.value for action in TRANSITIONS.get(EnrolmentState(state), {})]


def reached_by(action: str) -> EnrolmentState:
    """The state an action leads to (each action leads to one state)."""
    return next(to for steps in TRANSITIONS.values() for a, to in steps.items() if a == action)
