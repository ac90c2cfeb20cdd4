"""Presence figures (驻村考勤统计): days in the village against the targets, per area and per member."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.oversight.contacts.schemas import ContactFigures, MethodFigures
from services.oversight.sessions.schemas import SessionFigures, SessionKindFigures


class DutyFigures(BaseModel):
    duty: str
    label: str
    members: int = Field(description="Members serving this year up to the date")
    days_present: int = Field(description="Days in the village this year up to the date (a day counts once)")
    target_days: int = Field(description="Their year's targets, summed (prorated to each one's time serving)")
    behind: int = Field(description="Members whose projection to the year's end falls short of their target")


class TaskFigures(BaseModel):
    """Rectification items (整改事项) from the rollups: opened and closed from `since` to `as_of`; still
    open and overdue on `as_of`."""

    opened: int = Field(description="Items received from `since` to `as_of`")
    closed: int = Field(description="Items closed (销号) from `since` to `as_of`")
    closed_on_time: int = Field(description="Of those closed, on or before their deadline")
    open: int = Field(description="Items received by `as_of` and not closed by then")
    overdue: int = Field(description="Of those open, past their deadline on `as_of`")


class SourceTaskFigures(TaskFigures):
    source: str
    label: str


class PresenceStats(BaseModel):
    area_code: str
    as_of: date
    year: int
    members: int
    days_present: int
    behind: int
    by_duty: list[DutyFigures]
    sessions: SessionFigures = Field(description="Study, training and publicity sessions since `since`")
    sessions_by_kind: list[SessionKindFigures]
    contacts: ContactFigures = Field(description="Cadres' contacts with households since `since`")
    contacts_by_method: list[MethodFigures]
    tasks: TaskFigures = Field(description="Rectification items (from the rollups)")
    tasks_by_source: list[SourceTaskFigures]


class MemberPresence(BaseModel):
    member_id: uuid.UUID
    name: str
    village_code: str
    role: str
    duty: str
    days_present: int = Field(description="Days in the village this year up to as_of")
    target_days: int = Field(
        description="The year's target, prorated to the member's time on the team less approved leave"
    )
    target_source: str = Field(description="The area whose target applies, or 'default' (篇5's)")
    projected_days: int = Field(description="Days present projected to the year's end (or membership's end)")
    shortfall_days: int = Field(description="target_days - projected_days, when positive")
    behind: bool


class PresenceList(BaseModel):
    area_code: str
    as_of: date
    year: int
    items: list[MemberPresence]
