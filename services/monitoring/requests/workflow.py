"""A request's states and steps: received → handling → resolved / explained; the household's feedback
on a closed request, where "dissatisfied" takes it back to handling (重新办理)."""

from __future__ import annotations

from services.common.labels import LabelledEnum


class Channel(LabelledEnum):
    declaration = "declaration", "农户申报"
    visit = "visit", "入户走访"
    phone_call = "phone_call", "电话反映"


class Topic(LabelledEnum):
    income = "income", "增收"
    employment = "employment", "就业务工"
    industry = "industry", "产业发展"
    medical = "medical", "医疗救助"
    education = "education", "教育资助"
    housing = "housing", "住房安全"
    water = "water", "饮水安全"
    social_security = "social_security", "低保/特困兜底"
    infrastructure = "infrastructure", "基础设施"
    policy = "policy", "政策咨询"
    other = "other", "其他"


class RequestState(LabelledEnum):
    received = "received", "已受理"
    handling = "handling", "办理中"
    resolved = "resolved", "已解决"
    explained = "explained", "已解释说明"


class RequestAction(LabelledEnum):
    handle = "handle", "开始办理"
    resolve = "resolve", "办结"
    explain = "explain", "解释说明"
    feedback = "feedback", "群众反馈"


class Feedback(LabelledEnum):
    satisfied = "satisfied", "满意"
    basically_satisfied = "basically_satisfied", "基本满意"
    dissatisfied = "dissatisfied", "不满意"


OPEN_STATES = (RequestState.received, RequestState.handling)
CLOSED_STATES = (RequestState.resolved, RequestState.explained)
FROM_STATES = {
    RequestAction.handle: (RequestState.received,),
    RequestAction.resolve: OPEN_STATES,
    RequestAction.explain: OPEN_STATES,
    RequestAction.feedback: CLOSED_STATES,
}
TO_STATE = {
    RequestAction.handle: RequestState.handling,
    RequestAction.resolve: RequestState.resolved,
    RequestAction.explain: RequestState.explained,
}


def actions_for(state: str, has_feedback: bool) -> list[str]:
    """The steps open now (feedback once per closing: a reopened request can take it again)."""
    return [
        a.value
        for a, states in FROM_STATES.items()
        if RequestState(state) in states and not (a is RequestAction.feedback and has_feedback)
    ]
