"""What rectification does: open items (idempotent by the client's UUID), take progress reports with
their evidence, submit, and close (销号) or send back — each step by whom the workflow allows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.oversight.repository import OversightRepository
from services.oversight.service import not_found, request_digest
from services.oversight.tasks.models import ProgressReport, Rectification
from services.oversight.tasks.repository import TaskRepository
from services.oversight.tasks.schemas import (
    ItemCreate,
    ItemRead,
    MilestoneRead,
    ReportCreate,
    ReportRead,
    ReviewBody,
    StepRead,
    SubmitBody,
)
from services.oversight.tasks.workflow import (
    TO_STATE,
    ItemAction,
    ItemState,
    actions_for,
    check_review_level,
    check_step,
)


def _same(stored: bytes | None, asked: bytes, principal: Principal, area_code: str) -> bool:
    return stored == asked and principal.covers(area_code)


class TaskService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = TaskRepository(session)

    async def read(self, item: Rectification, principal: Principal) -> ItemRead:
        answer = ItemRead.model_validate(item, from_attributes=True)
        answer.milestones = [
            MilestoneRead.model_validate(m) for m in await self.repository.milestones(item.id)
        ]
        answer.reports = [ReportRead.model_validate(r) for r in await self.repository.reports(item.id)]
        answer.steps = [StepRead.model_validate(s) for s in await self.repository.steps(item.id)]
        answer.actions = actions_for(
            item.state, item.report_count, item.submitted_scope, item.area_code, principal
        )
        return answer

    async def create(self, body: ItemCreate, principal: Principal) -> tuple[Rectification, bool]:
        area_to_create_in(body.area_code, principal)
        unit_name = body.unit_name
        if body.unit_id is not None:
            unit = await OversightRepository(self.session).unit(body.unit_id, principal.scope_prefix)
            if unit is None:
                raise ValidationFailed.field(
                    ["body", "unit_id"], f"No unit {body.unit_id} in your area", "unit_not_found"
                )
            unit_name = unit.name
        assert unit_name is not None
        item_id, digest = body.id or new_id(), request_digest(body)
        values = {
            "id": item_id,
            "area_code": body.area_code,
            "source": body.source.value,
            "title": body.title,
            "problem": body.problem,
            "measures": body.measures,
            "unit_id": body.unit_id,
            "unit_name": unit_name,
            "person_name": body.person_name,
            "person_phone": body.person_phone,
            "received_on": body.received_on,
            "deadline": body.deadline,
            "state": ItemState.open.value,
            "report_count": 0,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        milestones = [
            {"item_id": item_id, "position": i, "label": m.label, "due_on": m.due_on}
            for i, m in enumerate(body.milestones)
        ]
        created = await self.repository.insert_item(values, milestones)
        item = await self.repository.item_anywhere(item_id)
        assert item is not None
        if not created and not _same(item.request_sha256, digest, principal, item.area_code):
            raise Conflict(f"Item {item_id} exists with other details", code="item_id_in_use")
        return item, created

    async def _item(self, item_id: uuid.UUID, principal: Principal) -> Rectification:
        item = await self.repository.item(item_id, principal.scope_prefix, lock=True)
        if item is None:
            raise not_found("rectification", item_id)
        return item

    async def _step(
        self, item: Rectification, action: ItemAction, principal: Principal, reason: str | None = None
    ) -> str:
        before = item.state
        item.state = TO_STATE[action].value
        item.updated_at = datetime.now(UTC)
        await self.repository.record_step(
            {
                "item_id": item.id,
                "action": action.value,
                "from_state": before,
                "to_state": item.state,
                "actor_id": principal.id,
                "actor_scope": principal.scope,
                "reason": reason,
            }
        )
        return before

    async def report(
        self, item_id: uuid.UUID, body: ReportCreate, principal: Principal
    ) -> tuple[Rectification, ProgressReport, str | None]:
        """The item, the report, and the item's state before it (None: a retry of the one that made it)."""
        report_id, digest = body.id or new_id(), request_digest(body)
        # The item first, locked: a racing copy of this report waits here for the first to commit, and
        # then finds it (a retry, answered the same), never a conflict of its own making.
        item = await self._item(item_id, principal)
        earlier = await self.repository.report_anywhere(report_id)
        if earlier is not None:
            if earlier.item_id != item_id or not _same(
                earlier.request_sha256, digest, principal, earlier.area_code
            ):
                raise Conflict(f"Report {report_id} exists with other details", code="report_id_in_use")
            return item, earlier, None
        check_step(ItemAction.report, item.state, principal)
        if body.reported_on < item.received_on:
            raise ValidationFailed.field(
                ["body", "reported_on"],
                "A report is dated on or after the item was received",
                "report_too_early",
            )
        if body.milestone is not None and not await self.repository.complete_milestone(
            item.id, body.milestone, body.reported_on
        ):
            raise ValidationFailed.field(
                ["body", "milestone"], f"The item has no milestone {body.milestone}", "milestone_not_found"
            )
        values = {
            "id": report_id,
            "item_id": item.id,
            "area_code": item.area_code,
            "reported_on": body.reported_on,
            "text": body.text,
            "attachments": body.attachments,
            "milestone": body.milestone,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert_report(values):  # a racing copy committed first
            raise Conflict(f"Report {report_id} was just made", code="report_id_in_use")
        item.report_count += 1
        before = item.state
        if item.state == ItemState.open.value:
            await self._step(item, ItemAction.report, principal)
        await self.session.flush()
        report = await self.repository.report_anywhere(report_id)
        assert report is not None
        return item, report, before

    async def submit(self, item_id: uuid.UUID, body: SubmitBody, principal: Principal) -> Rectification:
        item = await self._item(item_id, principal)
        check_step(ItemAction.submit, item.state, principal)
        if item.report_count == 0:
            raise Conflict("Report progress with its evidence before submitting", code="evidence_required")
        await self._step(item, ItemAction.submit, principal, body.note)
        item.submitted_by, item.submitted_scope = principal.id, principal.scope
        item.submitted_at = datetime.now(UTC)
        await self.session.flush()
        return item

    async def _check_closing_day(self, item: Rectification, day: date) -> None:
        if day > china_today():
            raise ValidationFailed.field(["body", "on"], f"{day} is in the future", "date_in_future")
        reports = await self.repository.reports(item.id)
        last = max((r.reported_on for r in reports), default=item.received_on)
        if day < last:
            raise ValidationFailed.field(
                ["body", "on"], f"{day} is before the last progress report ({last})", "closed_before_report"
            )

    async def review(self, item_id: uuid.UUID, body: ReviewBody, principal: Principal) -> Rectification:
        """Close (销号) or send back: by a reviewer of a wider area than the submitter's, else 403."""
        item = await self._item(item_id, principal)
        check_step(body.action, item.state, principal)
        assert item.submitted_scope is not None
        check_review_level(principal, item.submitted_scope)
        closed_on = body.on or china_today()
        if body.action is ItemAction.close:
            await self._check_closing_day(item, closed_on)
        await self._step(item, body.action, principal, body.reason)
        if body.action is ItemAction.close:
            item.closed_by, item.closed_at, item.closed_on = principal.id, datetime.now(UTC), closed_on
        await self.session.flush()
        return item
