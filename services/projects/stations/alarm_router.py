"""Station alarms (运行告警, 低效运行, 故障损毁): listed, reported from a phone, judged for a month on
request, and taken open → fixing → fixed."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
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
from services.common.text import IsoDate
from services.projects.codes import AlarmKind, AlarmState
from services.projects.stations.alarms import AlarmService, alarm_not_found, allowed_actions
from services.projects.stations.models import StationAlarm
from services.projects.stations.repository import StationRepository
from services.projects.stations.schemas import (
    AlarmActionBody,
    AlarmRead,
    EvaluateBody,
    EvaluateResult,
    FaultReport,
    month_start,
)

router = APIRouter(prefix="/api/v1", tags=["photovoltaic stations"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.stations_report)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same report again (a retry): no effect"}}


def _read(alarm: StationAlarm, principal: Principal) -> AlarmRead:
    read = AlarmRead.model_validate(alarm)
    read.actions = allowed_actions(alarm, principal)
    return read


def _audit(session: Any, action: str, alarm: StationAlarm, changes: dict[str, Any]) -> None:
    audit_trail(session).record(
        action, "station", str(alarm.station_id), area_code=alarm.area_code, changes=changes
    )


@router.post("/stations/{station_id:uuid}/faults", response_model=AlarmRead, status_code=201, responses=RETRY)
async def report_fault(
    station_id: uuid.UUID, body: FaultReport, principal: Reporter, session: SessionDep, response: Response
) -> AlarmRead:
    """Damage or a fault (故障损毁) seen at a station in your area, with photo references, from a phone:
    the same report id and content again is the same report (200), other content 409."""
    alarm, created = await AlarmService(session).report_fault(station_id, body, principal)
    if created:
        _audit(session, "station.fault", alarm, {"alarm": [None, {"id": str(alarm.id), "kind": alarm.kind}]})
    else:
        response.status_code = 200
    return _read(alarm, principal)


@router.get("/station-alarms", response_model=Page[AlarmRead])
async def list_alarms(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    station_id: uuid.UUID | None = None,
    kind: Annotated[AlarmKind | None, Query(description=AlarmKind.describe())] = None,
    state: Annotated[AlarmState | None, Query(description=AlarmState.describe())] = None,
    overdue_on: Annotated[
        IsoDate | None,
        Query(description="Only alarms past their deadline and not fixed on this date (逾期未整改)"),
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AlarmRead]:
    """Alarms of the stations in your area, each with the actions you may take on it now."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await StationRepository(session).alarms(
        principal.scope_prefix,
        within,
        station_id=station_id,
        kind=kind.value if kind else None,
        state=state.value if state else None,
        overdue_on=overdue_on,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, lambda a: _read(a, principal))


@router.get("/station-alarms/{alarm_id:uuid}", response_model=AlarmRead)
async def get_alarm(alarm_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> AlarmRead:
    alarm = await StationRepository(session).alarm(alarm_id, principal.scope_prefix)
    if alarm is None:
        raise alarm_not_found(alarm_id)
    return _read(alarm, principal)


@router.post("/station-alarms/{alarm_id:uuid}/actions", response_model=AlarmRead)
async def act_on_alarm(
    alarm_id: uuid.UUID, body: AlarmActionBody, principal: Manager, session: SessionDep
) -> AlarmRead:
    """`start_fixing` (may move the deadline with `due_on`) or `fixed`, on a day not in the future;
    an action the alarm's state doesn't allow is 409."""
    alarm, before = await AlarmService(session).act(alarm_id, body, principal)
    _audit(
        session,
        f"station.alarm_{body.action.value}",
        alarm,
        {f"alarm.{alarm.id}.state": [before, alarm.state]},
    )
    return _read(alarm, principal)


@router.post("/station-alarms/evaluate", response_model=EvaluateResult)
async def evaluate_month(body: EvaluateBody, principal: Manager, session: SessionDep) -> EvaluateResult:
    """Judge an ended month for every station in your area that has readings in it and is not judged
    yet (a month is judged once: asking again raises nothing)."""
    judged, raised = await AlarmService(session).evaluate(month_start(body.month), principal)
    if judged:
        audit_trail(session).record(
            "station.evaluate",
            "station_month",
            body.month,
            area_code=principal.scope,
            changes={"judged": judged, "raised": raised},
        )
    return EvaluateResult(judged=judged, raised=raised)
