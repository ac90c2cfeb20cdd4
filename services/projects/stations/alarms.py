"""A station's alarms: 运行告警 from an alarm record in the feed, 低效运行 when a month's output falls
below a share of what its area expects of it, 故障损毁 reported from a phone. Each runs open → fixing →
fixed, with a deadline (due_on) set when it is raised and movable when fixing starts.

A month is judged once (``station_months``' key), the first time its output is whole: its own month
reading, or a reading of every day the station was on the grid that month; or, for an ended month, when
a county administrator asks for it (``evaluate``) on what has arrived. Sending the same feed again, or
judging again, never raises a second alarm.
"""

from __future__ import annotations

import calendar
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.projects.codes import AlarmAction, AlarmKind, AlarmState
from services.projects.stations.models import Station, StationAlarm, StationReading
from services.projects.stations.repository import StationRepository
from services.projects.stations.schemas import AlarmActionBody, FaultReport
from services.projects.stations.service import StationService, not_in_future

# Days from raising an alarm to its deadline (整改时限), by kind.
DUE_DAYS = {AlarmKind.operation: 7, AlarmKind.low_output: 30, AlarmKind.damage: 15}
# Who may take each step: the county manages the fixing (可由县级统一调度运维).
NEXT: dict[AlarmState, dict[AlarmAction, AlarmState]] = {
    AlarmState.open: {AlarmAction.start_fixing: AlarmState.fixing, AlarmAction.fixed: AlarmState.fixed},
    AlarmState.fixing: {AlarmAction.fixed: AlarmState.fixed},
    AlarmState.fixed: {},
}
ACT = Permission.projects_manage


def alarm_not_found(alarm_id: uuid.UUID) -> NotFound:
    return NotFound(f"No station alarm {alarm_id}", code="alarm_not_found")


def allowed_actions(alarm: StationAlarm, principal: Principal) -> list[AlarmAction]:
    return list(NEXT[AlarmState(alarm.state)]) if principal.can(ACT) else []


def month_bounds(month: date) -> tuple[date, date]:
    days = calendar.monthrange(month.year, month.month)[1]
    return month, month + timedelta(days=days)


def _row(
    station: Station, kind: AlarmKind, raised_on: date, text: str, by: str, **fields: Any
) -> dict[str, Any]:
    return {
        "id": fields.pop("id", None) or new_id(),
        "station_id": station.id,
        "area_code": station.area_code,
        "kind": kind.value,
        "state": AlarmState.open.value,
        "raised_on": raised_on,
        "due_on": raised_on + timedelta(days=DUE_DAYS[kind]),
        "text": text,
        "created_by": by,
    } | fields


class AlarmService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = StationRepository(session)

    async def from_reading(self, station: Station, reading: StationReading, by: str) -> bool:
        """The 运行告警 a feed's alarm record raises (once per reading)."""
        assert reading.alarm_code is not None and reading.alarm_text is not None
        return await self.repository.insert_alarm(
            _row(
                station,
                AlarmKind.operation,
                reading.day,
                reading.alarm_text,
                by,
                code=reading.alarm_code,
                reading_id=reading.id,
            )
        )

    async def judge(self, station: Station, month: date, by: str, *, whole_only: bool) -> bool | None:
        """Judge the station's month, once: None when not judged (not whole yet, or judged before),
        else whether it raised a 低效运行 alarm."""
        start, end = month_bounds(month)
        if station.grid_connected_on >= end:
            return None
        month_kwh, day_kwh, days = await self.repository.month_output(station.id, start, end)
        on_grid = (end - max(start, station.grid_connected_on)).days
        if whole_only and month_kwh is None and days < on_grid:
            return None
        output = month_kwh if month_kwh is not None else day_kwh
        expectation = await StationService(self.session).expectation(station.area_code)
        per_kw = expectation.kwh_per_kw[month.month - 1]
        expected = max(1, station.capacity_kw * per_kw * on_grid // (end - start).days)
        low = output * 100 < expected * expectation.low_share_pct
        judged = await self.repository.insert_month(
            {
                "station_id": station.id,
                "month": start,
                "area_code": station.area_code,
                "output_kwh": output,
                "expected_kwh": expected,
                "low_share_pct": expectation.low_share_pct,
                "low": low,
            }
        )
        if not judged:
            return None
        if not low:
            return False
        text = (
            f"{month:%Y年%m月}发电量{output}kWh，低于预期{expected}kWh的{expectation.low_share_pct}%"
            f"（装机{station.capacity_kw}kW，每kW预期{per_kw}kWh）"
        )
        raised_on = min(end, china_today())
        return await self.repository.insert_alarm(
            _row(station, AlarmKind.low_output, raised_on, text, by, month=start)
        )

    async def evaluate(self, month: date, principal: Principal) -> tuple[int, int]:
        """Judge every station-month in the caller's area not judged yet that has readings in an ended
        month: (judged, raised)."""
        start, end = month_bounds(month)
        if end > china_today():
            raise ValidationFailed.field(
                ["body", "month"], f"{month:%Y-%m} has not ended: it is judged when it has", "month_not_ended"
            )
        judged = raised = 0
        for station in await self.repository.read_in(principal.scope_prefix, start, end):
            outcome = await self.judge(station, start, principal.id, whole_only=False)
            judged += outcome is not None
            raised += bool(outcome)
        return judged, raised

    async def report_fault(
        self, station_id: uuid.UUID, body: FaultReport, principal: Principal
    ) -> tuple[StationAlarm, bool]:
        """The 故障损毁 alarm, and whether this request raised it (False: the phone sent it again)."""
        digest = hashlib.sha256(body.model_dump_json().encode() + station_id.bytes).digest()
        station = await StationService(self.session).locked(station_id, principal)
        earlier = await self.repository.alarm_anywhere(body.id)
        if earlier is not None:
            if earlier.request_sha256 != digest or not principal.covers(earlier.area_code):
                raise Conflict(
                    f"Report {body.id} was already received with other content", code="report_id_in_use"
                )
            return earlier, False
        not_in_future(body.reported_on, ["body", "reported_on"])
        if body.reported_on < station.grid_connected_on:
            raise ValidationFailed.field(
                ["body", "reported_on"], "The day is before the station's grid connection", "date_too_early"
            )
        values = _row(
            station,
            AlarmKind.damage,
            body.reported_on,
            body.text,
            principal.id,
            id=body.id,
            photo_refs=body.photo_refs,
            request_sha256=digest,
        )
        created = await self.repository.insert_alarm(values)
        alarm = await self.repository.alarm_anywhere(body.id)
        if alarm is None or (not created and alarm.request_sha256 != digest):
            raise Conflict(
                f"Report {body.id} was already received with other content", code="report_id_in_use"
            )
        return alarm, created

    async def act(
        self, alarm_id: uuid.UUID, body: AlarmActionBody, principal: Principal
    ) -> tuple[StationAlarm, str]:
        """The alarm after the step, and its state before."""
        alarm = await self.repository.alarm(alarm_id, principal.scope_prefix, lock=True)
        if alarm is None:
            raise alarm_not_found(alarm_id)
        before = alarm.state
        target = NEXT[AlarmState(before)].get(body.action)
        if target is None:
            may = ", ".join(a.value for a in NEXT[AlarmState(before)]) or "nothing more"
            raise Conflict(
                f"A {before} alarm can't be {body.action.value}; it may: {may}", code="alarm_state"
            )
        not_in_future(body.on, ["body", "on"])
        earliest = alarm.fixing_on or alarm.raised_on
        if body.on < earliest:
            raise ValidationFailed.field(["body", "on"], f"{body.on} is before {earliest}", "date_too_early")
        if body.due_on is not None:
            if body.action is not AlarmAction.start_fixing:
                raise ValidationFailed.field(
                    ["body", "due_on"], "Only start_fixing moves the deadline", "due_on_unexpected"
                )
            if body.due_on < alarm.raised_on:
                raise ValidationFailed.field(
                    ["body", "due_on"], "The deadline is before the alarm", "date_too_early"
                )
            alarm.due_on = body.due_on
        if target is AlarmState.fixing or alarm.fixing_on is None:
            alarm.fixing_on = body.on
        if target is AlarmState.fixed:
            alarm.fixed_on = body.on
        alarm.state = target.value
        alarm.note = body.note or alarm.note
        alarm.version += 1
        alarm.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(alarm)
        return alarm, before
