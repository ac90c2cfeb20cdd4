"""Support units, work teams, check-ins and targets: thin endpoints over ``service.OversightService``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    page_after,
)
from services.common.scope import WithinQuery
from services.oversight.cadres import registry_cadres
from services.oversight.check_ins import CheckInIntake
from services.oversight.codes import LeaveState
from services.oversight.models import WorkTeam
from services.oversight.repository import OversightRepository
from services.oversight.schemas import (
    CheckInBatch,
    CheckInBatchResult,
    CheckInCreate,
    CheckInRead,
    LeaveCreate,
    LeaveDecision,
    LeaveRead,
    MemberRead,
    TargetRead,
    TargetSet,
    TeamCreate,
    TeamRead,
    UnitCreate,
    UnitRead,
)
from services.oversight.service import OversightService, not_found

router = APIRouter(prefix="/api/v1", tags=["oversight"])

Reader = Annotated[Principal, requires(Permission.oversight_read)]
CheckInner = Annotated[Principal, requires(Permission.oversight_check_in)]
Manager = Annotated[Principal, requires(Permission.oversight_manage)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


async def _teams_read(session: Any, teams: list[WorkTeam]) -> list[TeamRead]:
    members = await OversightRepository(session).members_of([t.id for t in teams])
    answers = []
    for team in teams:
        answer = TeamRead.model_validate(team)
        answer.members = [MemberRead.model_validate(m) for m in members.get(team.id, [])]
        answers.append(answer)
    return answers


@router.post("/support-units", response_model=UnitRead, status_code=201, responses=RETRY)
async def create_unit(
    body: UnitCreate, principal: Manager, session: SessionDep, response: Response
) -> UnitRead:
    """Register a support unit (帮扶单位) and the villages it supports."""
    unit, created = await OversightService(session).create_unit(body, principal)
    if created:
        audit_trail(session).record(
            "support_unit.create",
            "support_unit",
            str(unit.id),
            area_code=unit.area_code,
            changes={"villages": [None, unit.villages]},
        )
    else:
        response.status_code = 200
    return UnitRead.model_validate(unit)


@router.get("/support-units", response_model=Page[UnitRead])
async def list_units(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[UnitRead]:
    """Units kept in your area or supporting a village in it."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await OversightRepository(session).units(
        principal.scope_prefix, within, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda u: u)
    return Page(items=[UnitRead.model_validate(u) for u in page.items], next_cursor=page.next_cursor)


@router.get("/support-units/{unit_id:uuid}", response_model=UnitRead)
async def get_unit(unit_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> UnitRead:
    unit = await OversightRepository(session).unit(unit_id, principal.scope_prefix)
    if unit is None:
        raise not_found("unit", unit_id)
    return UnitRead.model_validate(unit)


@router.post("/work-teams", response_model=TeamRead, status_code=201, responses=RETRY)
async def create_team(
    body: TeamCreate, principal: Manager, session: SessionDep, request: Request, response: Response
) -> TeamRead:
    """Station a work team (驻村工作队) in a village for a period, with its members (a member's cadre id
    must be a cadre of the registry in your area)."""
    team, created = await OversightService(session).create_team(body, principal, registry_cadres(request))
    if created:
        audit_trail(session).record(
            "work_team.create",
            "work_team",
            str(team.id),
            area_code=team.village_code,
            changes={"members": [None, len(body.members)], "unit_id": [None, str(team.unit_id)]},
        )
    else:
        response.status_code = 200
    return (await _teams_read(session, [team]))[0]


@router.get("/work-teams", response_model=Page[TeamRead])
async def list_teams(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[TeamRead]:
    """Work teams of villages in your area, with their members."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await OversightRepository(session).teams(
        principal.scope_prefix, within, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda t: t)
    return Page(items=await _teams_read(session, list(page.items)), next_cursor=page.next_cursor)


@router.get("/work-teams/{team_id:uuid}", response_model=TeamRead)
async def get_team(team_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> TeamRead:
    team = await OversightRepository(session).team(team_id, principal.scope_prefix)
    if team is None:
        raise not_found("team", team_id)
    return (await _teams_read(session, [team]))[0]


def _audit_check_ins(session: SessionDep, result: CheckInBatchResult) -> None:
    trail = audit_trail(session)
    for item in result.items:
        if item.status == "created":
            trail.record(
                "check_in.create",
                "check_in",
                str(item.id),
                area_code=item.village_code,
                changes={"far": [None, item.far]},
            )


@router.post("/check-ins/batch", response_model=CheckInBatchResult)
async def post_check_in_batch(
    body: CheckInBatch, principal: CheckInner, session: SessionDep, request: Request
) -> CheckInBatchResult:
    """Up to 1,000 check-ins kept offline; each answered alone: created, duplicate, conflict or invalid."""
    result = await CheckInIntake(session, request.app.state.settings.far_check_in_m).take(
        body.items, principal
    )
    _audit_check_ins(session, result)
    return result


@router.post("/check-ins", response_model=CheckInRead, status_code=201, responses=RETRY)
async def check_in(
    body: CheckInCreate, principal: CheckInner, session: SessionDep, request: Request, response: Response
) -> CheckInRead:
    """A member's check-in from a phone (驻村考勤). A check-in far from the village is kept and flagged."""
    result = await CheckInIntake(session, request.app.state.settings.far_check_in_m).take([body], principal)
    answer_single(result.items[0], response)
    _audit_check_ins(session, result)
    stored = await OversightRepository(session).check_in(body.id)
    assert stored is not None
    return CheckInRead.model_validate(stored)


@router.get("/check-ins", response_model=Page[CheckInRead])
async def list_check_ins(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    member_id: uuid.UUID | None = None,
    far: Annotated[bool | None, Query(description="Only far (true) or near (false) check-ins")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[CheckInRead]:
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await OversightRepository(session).check_ins(
        principal.scope_prefix, within, member_id=member_id, far=far, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda c: c)
    return Page(items=[CheckInRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor)


@router.post("/leaves", response_model=LeaveRead, status_code=201, responses=RETRY)
async def request_leave(
    body: LeaveCreate, principal: CheckInner, session: SessionDep, response: Response
) -> LeaveRead:
    """Ask leave (请假) for a team member, from–to with the reason; the town approves or refuses it."""
    leave, created = await OversightService(session).request_leave(body, principal)
    if created:
        audit_trail(session).record(
            "leave.request",
            "leave",
            str(leave.id),
            area_code=leave.village_code,
            changes={"days": [None, [str(leave.starts_on), str(leave.ends_on)]]},
        )
    else:
        response.status_code = 200
    return LeaveRead.model_validate(leave)


@router.post("/leaves/{leave_id:uuid}/decision", response_model=LeaveRead)
async def decide_leave(
    leave_id: uuid.UUID, body: LeaveDecision, principal: Manager, session: SessionDep
) -> LeaveRead:
    """The town approves (approved days are not held against the member's target) or refuses, saying why."""
    leave = await OversightService(session).decide_leave(leave_id, body, principal)
    audit_trail(session).record(
        "leave.decide",
        "leave",
        str(leave.id),
        area_code=leave.village_code,
        changes={"state": ["requested", leave.state]},
    )
    return LeaveRead.model_validate(leave)


@router.get("/leaves", response_model=Page[LeaveRead])
async def list_leaves(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    member_id: uuid.UUID | None = None,
    state: Annotated[LeaveState | None, Query(description=LeaveState.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[LeaveRead]:
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await OversightRepository(session).leaves(
        principal.scope_prefix,
        within,
        member_id=member_id,
        state=state.value if state else None,
        after=after,
        limit=limit + 1,
    )
    page = page_after(rows, limit, lambda leave: leave)
    return Page(items=[LeaveRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor)


@router.put("/presence-targets", response_model=TargetRead)
async def set_target(body: TargetSet, principal: Manager, session: SessionDep) -> TargetRead:
    """Set the days in the village a duty is held to in an area and year (a year's days or a week's)."""
    target, before = await OversightService(session).set_target(body, principal)
    fields = ("days_per_year", "days_per_week")
    audit_trail(session).record(
        "presence_target.set",
        "presence_target",
        f"{target.area_code}/{target.year}/{target.duty}",
        area_code=target.area_code,
        changes={f: [getattr(before, f) if before else None, getattr(target, f)] for f in fields},
    )
    return TargetRead.model_validate(target)


@router.get("/presence-targets", response_model=list[TargetRead])
async def list_targets(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[TargetRead]:
    """Targets set in your area (where none is set, 篇5's apply: see /presence's target_source)."""
    rows = await OversightRepository(session).targets(principal.scope_prefix, within, year)
    return [TargetRead.model_validate(t) for t in rows]
