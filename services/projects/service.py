"""What the projects service does: enter a project with its budget, take its steps, record its money.

Retries are exact: a create repeats the first result when its id and request are the same (a racing
copy waits on the id's unique index for the first to commit, then answers the same); the same id with
another request is the only conflict, and names only the id.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.retries import request_digest
from services.common.scope import area_to_create_in
from services.projects.assets.repository import AssetRepository
from services.projects.assets.service import AssetService
from services.projects.codes import LIVELIHOOD_SECTORS, ProjectAction, ProjectState
from services.projects.models import FundMovement, Project, ProjectStep
from services.projects.repository import ProjectRepository
from services.projects.schemas import (
    FundRead,
    MovementCreate,
    ProjectActionRequest,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from services.projects.workflow import STEP_DATE, TRANSITIONS, allowed_actions

ADJUSTABLE_DATES = ("planned_start_on", "planned_end_on")


def project_not_found(project_id: uuid.UUID) -> NotFound:
    return NotFound(f"No project {project_id}", code="project_not_found")


def not_in_future(day: date, field: str) -> None:
    if day > china_today():
        raise ValidationFailed.field(["body", field], f"{field} {day} is in the future", "date_in_future")


def _same_request(stored: bytes | None, asked: bytes, principal: Principal, area_code: str) -> bool:
    return stored == asked and principal.covers(area_code)


class ProjectService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ProjectRepository(session)

    async def create(self, body: ProjectCreate, principal: Principal) -> tuple[Project, bool]:
        """The project, and whether this request made it (False: a retry of the one that did)."""
        area_to_create_in(body.area_code, principal)
        not_in_future(body.entered_on, "entered_on")
        project_id, digest = body.id or new_id(), request_digest(body)
        values = {
            "id": project_id,
            "year": body.year,
            "name": body.name,
            "area_code": body.area_code,
            "sector": body.sector.value,
            "implementing_unit": body.implementing_unit,
            # A county and everything below it is grassroots (基层) unless said otherwise.
            "grassroots": body.grassroots if body.grassroots is not None else body.area_code[4:6] != "00",
            "livelihood": body.livelihood
            if body.livelihood is not None
            else body.sector in LIVELIHOOD_SECTORS,
            "state": ProjectState.in_library.value,
            "entered_on": body.entered_on,
            "planned_start_on": body.planned_start_on,
            "planned_end_on": body.planned_end_on,
            "note": body.note,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        budget = {line.source.value: line.budget_fen for line in body.budget}
        if await self.repository.insert(values, budget):
            project = await self.repository.get_anywhere(project_id)
            assert project is not None
            return project, True
        earlier = await self.repository.get_anywhere(project_id)
        if earlier is None or not _same_request(earlier.request_sha256, digest, principal, earlier.area_code):
            raise Conflict(f"Project {project_id} exists with other details", code="project_id_in_use")
        return earlier, False

    async def update(
        self, project_id: uuid.UUID, body: ProjectUpdate, principal: Principal
    ) -> tuple[Project, dict[str, Any]]:
        project = await self._locked(project_id, principal)
        before = (await self.read([project], principal))[0].model_dump(mode="json")
        check_version(project.version, None, body.base_version)
        changes = {
            k: v
            for k, v in body.model_dump(exclude={"base_version"}, exclude_unset=True).items()
            if v is not None or k == "note"
        }
        for name, value in changes.items():
            setattr(project, name, value)
        return await self._saved(project), before

    async def act(
        self, project_id: uuid.UUID, body: ProjectActionRequest, principal: Principal, if_match: str | None
    ) -> tuple[Project, ProjectStep]:
        project = await self._locked(project_id, principal)
        if if_match or body.base_version is not None:
            check_version(project.version, if_match, body.base_version)
        state = ProjectState(project.state)
        step = TRANSITIONS[state].get(body.action)
        if step is None:
            raise Conflict(
                f"A project {state.label} ({state.value}) cannot be {body.action.value}: "
                f"possible now: {', '.join(a.value for a in TRANSITIONS[state]) or 'nothing'}",
                code="action_not_allowed",
            )
        if not principal.can(step.permission):
            raise Forbidden(f"Only {step.who} may {body.action.value} a project", code="not_your_step")
        if step.needs_reason and not (body.reason and body.document):
            raise ValidationFailed.field(
                ["body", "reason" if not body.reason else "document"],
                f"To {body.action.value} a project, give the reason and the document that ordered it",
                "reason_required",
            )
        self._check_day(project, body.on)
        changes = await self._adjust(project, body) if body.action is ProjectAction.adjust else None
        if body.action in STEP_DATE:
            setattr(project, STEP_DATE[body.action], body.on)
        record = ProjectStep(
            project_id=project.id,
            action=body.action.value,
            from_state=state.value,
            to_state=step.to.value,
            taken_on=body.on,
            reason=body.reason,
            document=body.document,
            changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None,
            taken_by=principal.id,
        )
        await self.repository.add_step(record)
        project.state = step.to.value
        if body.action is ProjectAction.hand_over:  # 移交: the asset is formed in the same transaction
            await AssetService(self.session).form_from(project, body.on, principal)
        return await self._saved(project), record

    def _check_day(self, project: Project, day: date) -> None:
        not_in_future(day, "on")
        last = max(d for d in (project.entered_on, *(getattr(project, c) for c in STEP_DATE.values())) if d)
        if day < last:
            raise ValidationFailed.field(
                ["body", "on"],
                f"on {day} is before the project's last step ({last})",
                "date_before_last_step",
            )

    async def _adjust(self, project: Project, body: ProjectActionRequest) -> dict[str, list[Any]]:
        """An adjustment's new dates and budget lines, as {field: [old, new]}."""
        changes: dict[str, list[Any]] = {}
        for name in ADJUSTABLE_DATES:
            new = getattr(body, name)
            if new is not None and new != getattr(project, name):
                changes[name] = [getattr(project, name), new]
                setattr(project, name, new)
        if (
            project.planned_start_on
            and project.planned_end_on
            and project.planned_end_on < project.planned_start_on
        ):
            raise ValidationFailed.field(
                ["body", "planned_end_on"], "planned_end_on is before planned_start_on", "dates_out_of_order"
            )
        if body.budget:
            lines = {f.source: f for f in (await self.repository.funds_of([project.id])).get(project.id, [])}
            for line in body.budget:
                current = lines.get(line.source.value)
                received = current.received_fen if current else 0
                if line.budget_fen < received:
                    raise ValidationFailed.field(
                        ["body", "budget"],
                        f"The {line.source.value} budget can't go below what was received ({received} fen)",
                        "budget_below_received",
                    )
                old = current.budget_fen if current else 0
                if old != line.budget_fen:
                    changes[f"budget_fen.{line.source.value}"] = [old, line.budget_fen]
            await self.repository.set_budget(project.id, {b.source.value: b.budget_fen for b in body.budget})
        if not changes:
            raise ValidationFailed.field(
                ["body"], "An adjustment changes a planned date or a budget line", "nothing_adjusted"
            )
        return changes

    async def record_movement(
        self, project_id: uuid.UUID, body: MovementCreate, principal: Principal
    ) -> tuple[FundMovement, dict[str, Any] | None]:
        """The movement, and its line's totals before it (None: a retry, nothing moved)."""
        project = await self._locked(project_id, principal)
        digest, movement_id = request_digest(body), body.id or new_id()
        earlier = await self.repository.movement(movement_id)
        if earlier is not None:
            return self._repeated(earlier, digest, principal, project_id), None
        not_in_future(body.on, "on")
        if body.on < project.entered_on:
            raise ValidationFailed.field(
                ["body", "on"],
                f"on {body.on} is before the project entered the library",
                "date_before_project",
            )
        if project.state == ProjectState.cancelled.value and body.kind.value == "received":
            raise Conflict("A cancelled project receives no money", code="project_cancelled")
        line = await self.repository.fund_line(project.id, body.source.value, lock=True)
        if line is None:
            raise ValidationFailed.field(
                ["body", "source"], f"The project has no {body.source.value} budget line", "no_budget_line"
            )
        before = FundRead.model_validate(line).model_dump()
        self._check_within(line.budget_fen, line.received_fen, line.paid_fen, body)
        values = {
            "id": movement_id,
            "project_id": project.id,
            "area_code": project.area_code,
            "source": body.source.value,
            "kind": body.kind.value,
            "amount_fen": body.amount_fen,
            "moved_on": body.on,
            "voucher": body.voucher,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        if not await self.repository.insert_movement(values):  # a racing copy committed first
            earlier = await self.repository.movement(movement_id)
            assert earlier is not None
            return self._repeated(earlier, digest, principal, project_id), None
        await self.repository.add_to_line(project.id, body.source.value, body.kind.value, body.amount_fen)
        movement = await self.repository.movement(movement_id)
        assert movement is not None
        return movement, before

    @staticmethod
    def _check_within(budget: int, received: int, paid: int, body: MovementCreate) -> None:
        if body.kind.value == "received" and received + body.amount_fen > budget:
            raise ValidationFailed.field(
                ["body", "amount_fen"],
                f"Received would be {received + body.amount_fen} fen, "
                f"above the {body.source.value} budget of {budget} fen",
                "received_above_budget",
            )
        if body.kind.value == "paid" and paid + body.amount_fen > received:
            raise ValidationFailed.field(
                ["body", "amount_fen"],
                f"Paid would be {paid + body.amount_fen} fen, "
                f"above the {received} fen received from {body.source.value}",
                "paid_above_received",
            )

    @staticmethod
    def _repeated(
        earlier: FundMovement, digest: bytes, principal: Principal, project_id: uuid.UUID
    ) -> FundMovement:
        if earlier.project_id == project_id and _same_request(
            earlier.request_sha256, digest, principal, earlier.area_code
        ):
            return earlier
        raise Conflict(f"Movement {earlier.id} exists with other details", code="movement_id_in_use")

    async def _locked(self, project_id: uuid.UUID, principal: Principal) -> Project:
        project = await self.repository.get(project_id, principal.scope_prefix, lock=True)
        if project is None:
            raise project_not_found(project_id)
        return project

    async def _saved(self, project: Project) -> Project:
        project.version += 1
        project.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(project)
        return project

    async def read(self, projects: list[Project], principal: Principal) -> list[ProjectRead]:
        funds = await self.repository.funds_of([p.id for p in projects])
        assets = await AssetRepository(self.session).ids_of_projects(
            [p.id for p in projects if p.state == ProjectState.handed_over.value]
        )
        answers = []
        for project in projects:
            lines = [FundRead.model_validate(f) for f in funds.get(project.id, [])]
            answer = ProjectRead.model_validate(project)
            answer.funds = lines
            answer.asset_id = assets.get(project.id)
            answer.budget_fen = sum(f.budget_fen for f in lines)
            answer.received_fen = sum(f.received_fen for f in lines)
            answer.paid_fen = sum(f.paid_fen for f in lines)
            answer.actions = (
                allowed_actions(ProjectState(project.state), principal)
                if principal.covers(project.area_code)
                else []
            )
            answers.append(answer)
        return answers
