"""Bureau systems' batches of project records and fund movements: thin endpoints over the intakes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.database import SessionDep
from services.common.guards import requires
from services.projects.models import FundMovement
from services.projects.partner.intake import MovementPushIntake, ProjectPushIntake
from services.projects.partner.schemas import (
    MovementBatch,
    MovementPush,
    ProjectBatch,
    PushBatchResult,
)
from services.projects.schemas import MovementRead

router = APIRouter(prefix="/api/v1", tags=["projects and funds"])

Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same record again (a retry): no effect"}}


@router.post("/projects/batch", response_model=PushBatchResult)
async def push_projects(body: ProjectBatch, principal: Pusher, session: SessionDep) -> PushBatchResult:
    """A bureau system's project records (发改: the project library), up to 1,000, each as POST
    /api/v1/projects takes it with its record id, each answered alone: created, duplicate (the same
    record again: no effect), conflict (the id with other content) or invalid (an area outside yours,
    a day in the future). Entered in the library (入库); the steps are the county's."""
    return await ProjectPushIntake(session).take(body.items, principal)


@router.post("/fund-movements/batch", response_model=PushBatchResult)
async def push_fund_movements(body: MovementBatch, principal: Pusher, session: SessionDep) -> PushBatchResult:
    """A bureau system's fund movements (财政: money received 到位 and paid 支付), up to 1,000, each as
    POST /api/v1/projects/{id}/fund-movements takes it with its `project_id` and record id, each
    answered alone. Received never exceeds the budget and paid never exceeds received: an item that
    would is that item's 422 (`received_above_budget`, `paid_above_received`) and changes nothing; the
    items are taken in the order of their ids."""
    return await MovementPushIntake(session).take(body.items, principal)


@router.post("/fund-movements", response_model=MovementRead, status_code=201, responses=RETRY)
async def push_fund_movement(
    body: MovementPush, principal: Pusher, session: SessionDep, response: Response
) -> MovementRead:
    """One fund movement from a bureau system, as an item of the batch: its project in your area (422
    `project_not_found`), paid never above received, received never above the budget (422, nothing
    changes); the same record again is a retry (200), the id with other content 409."""
    [item] = await MovementPushIntake(session).answer_items([body], principal)
    answer_single(item, response)
    movement = await session.get(FundMovement, body.id)
    assert movement is not None  # created now, or a retry of the sender's own
    return MovementRead.model_validate(movement)
