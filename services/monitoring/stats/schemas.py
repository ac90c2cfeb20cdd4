"""Monitoring statistics of an area on a date: counts only, no household or person named."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.monitoring.cases.workflow import CaseState, MonitoringType
from services.monitoring.codes import RiskCode


class HouseholdTally(BaseModel):
    households: int
    people: int = Field(
        description="The households' members in the registry on as_of (registered by then, not dead, "
        "not moved out), as registry-stats counts them; monitoring keeps them from the registry's "
        "events, normally seconds behind. A visit's household_size is not counted: a visit that types "
        "a different size is a data check on the visit (household_size_differs)"
    )
    households_unsized: int = Field(
        description="Households whose registration has not reached monitoring yet (the registry's "
        "events still replaying), so not in people; 0 once they have"
    )


class TypeTally(HouseholdTally):
    monitoring_type: MonitoringType = Field(description=MonitoringType.describe())
    label: str


class StateTally(HouseholdTally):
    state: CaseState = Field(description=CaseState.describe())
    label: str


class RiskTally(BaseModel):
    risk_code: RiskCode = Field(description=RiskCode.describe())
    label: str
    open: int
    overdue: int


class AlertTally(BaseModel):
    open: int = Field(description="Alerts live (open 待处理 or acknowledged 已受理) at the end of as_of")
    overdue: int = Field(
        description="Of those, past the time limit on as_of. Alerts have no limit of their own, so the "
        "cases' applies: first raised + the thresholds' alert_decision_days (default 30) for the village "
        "and the year it was raised, before as_of"
    )
    by_risk: list[RiskTally] = Field(description="Every risk code, zeros included")


class VisitTally(BaseModel):
    pairings: int = Field(description="Cadre–household pairings (帮扶结对) in force on as_of")
    visited: int = Field(description="Visited by the paired cadre within visit_interval_days up to as_of")
    not_yet_due: int = Field(description="Not visited yet, but paired less than visit_interval_days ago")
    overdue: int = Field(description="Neither: the visit was due before as_of")


class CadreVisitTally(VisitTally):
    cadre_id: uuid.UUID
    cadre_name: str


class MonitoringFigures(BaseModel):
    area_code: str
    monitored: HouseholdTally = Field(
        description="监测对象 at the end of as_of: enrolled households, those in the exit steps included"
    )
    monitored_by_type: list[TypeTally] = Field(description="Every type, zeros included")
    cases_by_state: list[StateTally] = Field(
        description="Households by their case's state at the end of as_of (rebuilt from the recorded "
        "steps), every state, zeros included; a household with an earlier closed case and a new one "
        "counts under both states"
    )
    cases_past_limit: int = Field(
        description="Cases undecided on as_of whose decision date (first alert + alert_decision_days) "
        "was before it"
    )
    alerts: AlertTally
    visits: VisitTally | None = Field(
        description="Visit compliance (走访); null when your role may not read the cadres' pairings "
        "(households:read), which it is counted from"
    )


class MonitoringStats(MonitoringFigures):
    as_of: date
    visits_by_cadre: list[CadreVisitTally] | None = Field(
        description="Each cadre paired with households in the area, most overdue first: for a town or a "
        "village (a county's thousands of cadres: ask by town, or see /api/v1/visits/compliance); null "
        "for a county and as for visits"
    )
    children: list[MonitoringFigures] = Field(
        description="The same figures for each area one level down with anything to count (a village "
        "has none); an area not listed has only zeros"
    )
