"""A support unit's report: its teams and their days in the village, the rectification items it was
responsible for, sessions and contacts, and the other services' figures for its villages."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class MemberDays(BaseModel):
    member_id: uuid.UUID
    name: str
    role: str
    duty: str
    starts_on: date
    ends_on: date | None
    cadre_id: uuid.UUID | None
    days_present: int = Field(description="Days in the village in the period (a day counts once)")


class TeamDays(BaseModel):
    team_id: uuid.UUID
    village_code: str
    starts_on: date
    ends_on: date | None
    members: list[MemberDays]
    days_present: int = Field(description="The members' days in the village in the period, summed")


class UnitTasks(BaseModel):
    """Rectification items (整改事项) the unit is responsible for (``unit_id``)."""

    opened: int = Field(description="Received in the period")
    closed: int = Field(description="Closed (销号) in the period")
    closed_on_time: int = Field(description="Of those closed, on or before their deadline")
    open: int = Field(description="Received by `to`, not closed by then")
    overdue: int = Field(description="Of those open, past their deadline on `to`")


class UnitSessions(BaseModel):
    """Study, training and publicity sessions held in its villages in the period."""

    sessions: int
    cadre_attendance: int = Field(description="人次 of cadres")
    villager_attendance: int = Field(description="人次 of villagers")


class UnitContacts(BaseModel):
    """Contacts with households by the members who are the registry's cadres, in the period."""

    contacts: int
    visits: int = Field(description="Of those, visits (上门走访)")
    households: int = Field(description="Households contacted")


class Missing(BaseModel):
    figure: str = Field(description="projects, visits or training")
    village_code: str
    reason: str
    source: str = Field(description="What was asked")


class VillageProjects(BaseModel):
    projects: int = Field(description="Projects in the library on `to` (not cancelled)")
    projects_added: int = Field(description="Of those, added in the period")
    budget_fen: int
    paid_fen: int = Field(description="Paid (支付) by `to`")
    paid_in_period_fen: int = Field(description="Paid in the period")


class VillageVisits(BaseModel):
    """Monitoring's visit compliance on `to`: the cadres' pairings with households in the village."""

    pairings: int
    visited: int
    not_yet_due: int
    overdue: int


class VillageTraining(BaseModel):
    """Jobs' training figures of the village's people, in the period."""

    enrolled: int
    completed: int
    placed: int


class VillageFigures(BaseModel):
    village_code: str
    projects: VillageProjects | None = Field(description="null: listed in `missing`")
    visits: VillageVisits | None
    training: VillageTraining | None


class Totals(BaseModel):
    """The villages' figures summed, over those whose figures could be read."""

    projects: int
    projects_added: int
    budget_fen: int
    paid_fen: int
    paid_in_period_fen: int
    visits_pairings: int
    visits_visited: int
    training_enrolled: int
    training_completed: int
    training_placed: int


class UnitReport(BaseModel):
    unit_id: uuid.UUID
    name: str
    level: str
    period_from: date = Field(alias="from", serialization_alias="from")
    period_to: date = Field(alias="to", serialization_alias="to")
    villages: list[str] = Field(description="The unit's villages in your area")
    teams: list[TeamDays]
    members: int
    days_present: int
    tasks: UnitTasks
    sessions: UnitSessions
    contacts: UnitContacts
    by_village: list[VillageFigures]
    totals: Totals
    missing: list[Missing] = Field(description="Figures another service could not give, and why")

    model_config = {"populate_by_name": True}
