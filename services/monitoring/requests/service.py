"""What a household request does: taken in once by the client's UUID (a retry with other content is a
409), checked against the registry (household, member, cadre) and the visit or declaration it came from;
then handled, resolved or explained, and the household's feedback — each step with who, when and why."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.retries import ExactCreate, request_digest
from services.monitoring.models import HouseholdRequest
from services.monitoring.references import Asked, Lookup
from services.monitoring.requests.repository import RequestRepository
from services.monitoring.requests.schemas import (
    RequestCreate,
    RequestDetail,
    RequestRead,
    RequestStep,
    RequestStepRead,
)
from services.monitoring.requests.workflow import (
    TO_STATE,
    Channel,
    Feedback,
    RequestAction,
    RequestState,
    actions_for,
)


def read(row: HouseholdRequest, principal: Principal) -> RequestRead:
    answer = RequestRead.model_validate(row)
    if principal.can(Permission.requests_write) and principal.covers(row.area_code):
        answer.actions = actions_for(row.state, row.feedback is not None)
    return answer


def not_found(request_id: uuid.UUID) -> NotFound:
    return NotFound(f"No household request {request_id}", code="household_request_not_found")


class RequestService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = RequestRepository(session)

    async def create(
        self, body: RequestCreate, principal: Principal, registry: Lookup
    ) -> tuple[HouseholdRequest, bool]:
        once: ExactCreate[HouseholdRequest] = ExactCreate(
            session=self.session,
            client_id=body.id,
            digest=request_digest(body),
            find=self.repository.anywhere,
            principal=principal,
            what="Household request",
            code="household_request_id_in_use",
            missing="household_request_not_found",
        )

        async def make() -> tuple[HouseholdRequest, bool]:
            values = await self._checked(body, principal, registry)
            created = await self.repository.insert(values | {"request_sha256": once.digest})
            if not created:  # a racing copy committed first: its digest decides
                raise Conflict(
                    f"Household request {body.id} was just made", code="household_request_id_in_use"
                )
            row = await self.repository.anywhere(body.id)
            assert row is not None
            return row, True

        return await once.run(make)

    async def _checked(
        self, body: RequestCreate, principal: Principal, registry: Lookup
    ) -> dict[str, object]:
        if not is_village(body.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], f"{body.area_code} is not a village code", "not_a_village"
            )
        if not principal.covers(body.area_code):
            raise Forbidden(
                f"{body.area_code} is outside your area ({principal.scope})", code="outside_scope"
            )
        if body.received_on > china_today():
            raise ValidationFailed.field(
                ["body", "received_on"], "received_on is in the future", "date_in_future"
            )
        asked = Asked(households={body.household_id})
        if body.person_id is not None:
            asked.people.add(body.person_id)
        if body.handler_cadre_id is not None:
            asked.cadres.add(body.handler_cadre_id)
        known = await registry(asked)
        household = body.household_id
        problem = known.household_problem(household, ["body", "household_id"])
        if problem is None and body.person_id is not None:
            problem = known.person_problem(body.person_id, household, ["body", "person_id"])
        if problem is None and body.handler_cadre_id is not None:
            problem = known.cadre_problem(body.handler_cadre_id, household, ["body", "handler_cadre_id"])
        if problem is None:
            problem = await self._source_problem(body, principal)
        if problem is not None:
            raise problem
        return body.model_dump(exclude={"area_code"}) | {
            "area_code": known.villages[household],  # the registry's village, as for a visit
            "channel": body.channel.value,
            "topic": body.topic.value,
            "state": RequestState.received.value,
            "created_by": principal.id,
        }

    async def _source_problem(self, body: RequestCreate, principal: Principal) -> ValidationFailed | None:
        """The visit or declaration named must be of this household, in the caller's area."""
        if body.source_id is None:
            return None
        find = self.repository.visit_of if body.channel is Channel.visit else self.repository.declaration_of
        if await find(body.source_id, principal.scope_prefix) == body.household_id:
            return None
        what = "visit" if body.channel is Channel.visit else "declaration"
        return ValidationFailed.field(
            ["body", "source_id"],
            f"No {what} {body.source_id} of household {body.household_id} in your area",
            "source_not_found",
        )

    async def detail(self, request_id: uuid.UUID, principal: Principal) -> RequestDetail:
        row = await self.repository.get(request_id, principal.scope_prefix)
        if row is None:
            raise not_found(request_id)
        steps = [RequestStepRead.model_validate(s) for s in await self.repository.steps(row.id)]
        return RequestDetail(**read(row, principal).model_dump(), steps=steps)

    async def step(
        self, request_id: uuid.UUID, body: RequestStep, principal: Principal
    ) -> tuple[HouseholdRequest, str]:
        """Take one step; the state before it."""
        row = await self.repository.get(request_id, principal.scope_prefix, lock=True)
        if row is None:
            raise not_found(request_id)
        current = lambda: read(row, principal).model_dump(mode="json")  # noqa: E731
        check_base_version(row.version, body.base_version, current)
        open_now = actions_for(row.state, row.feedback is not None)
        if body.action.value not in open_now:
            raise Conflict(
                f"A request {RequestState(row.state).label} ({row.state}) cannot take '{body.action.value}' "
                f"(possible now: {', '.join(open_now) or 'nothing'})",
                code="household_request_state",
                current=current(),
            )
        day = self._day(row, body)
        before = row.state
        self._apply(row, body, day)
        self.repository.add_step(
            {
                "request_id": row.id,
                "action": body.action.value,
                "from_state": before,
                "to_state": row.state,
                "on_date": day,
                "note": body.note
                if body.feedback is None
                else f"{Feedback(body.feedback).label}：{body.note or ''}",
                "actor_id": principal.id,
                "actor_name": principal.name[:100],
            }
        )
        row.version += 1
        row.updated_at = datetime.now(UTC)
        await self.session.flush()
        return row, before

    def _day(self, row: HouseholdRequest, body: RequestStep) -> date:
        day = body.on or china_today()
        if day > china_today():
            raise ValidationFailed.field(["body", "on"], f"{day} is in the future", "date_in_future")
        if day < row.received_on:
            raise ValidationFailed.field(
                ["body", "on"],
                f"{day} is before the request was received ({row.received_on})",
                "date_too_early",
            )
        action = body.action
        if action in (RequestAction.resolve, RequestAction.explain) and body.note is None:
            what = "what was done" if action is RequestAction.resolve else "the explanation given"
            raise ValidationFailed.field(
                ["body", "note"], f"'{action.value}' needs a note: {what}", "note_required"
            )
        if action is RequestAction.feedback and body.feedback is None:
            raise ValidationFailed.field(
                ["body", "feedback"], "Say how the household took it", "feedback_required"
            )
        if action is not RequestAction.feedback and body.feedback is not None:
            raise ValidationFailed.field(
                ["body", "feedback"], "feedback goes with 'feedback' only", "feedback_not_expected"
            )
        if action is RequestAction.feedback and row.closed_on is not None and day < row.closed_on:
            raise ValidationFailed.field(
                ["body", "on"], f"{day} is before the request was closed ({row.closed_on})", "date_too_early"
            )
        return day

    def _apply(self, row: HouseholdRequest, body: RequestStep, day: date) -> None:
        action = body.action
        if action is RequestAction.feedback:
            assert body.feedback is not None
            row.feedback, row.feedback_note, row.feedback_on = body.feedback.value, body.note, day
            if body.feedback is Feedback.dissatisfied:  # 重新办理: back to handling
                row.state, row.outcome, row.closed_on = RequestState.handling.value, None, None
            return
        row.state = TO_STATE[action].value
        if action in (RequestAction.resolve, RequestAction.explain):
            # A new closing: the feedback of an earlier one stays in the steps.
            row.outcome, row.closed_on = body.note, day
            row.feedback, row.feedback_note, row.feedback_on = None, None, None
