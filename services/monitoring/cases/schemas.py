"""Cases (监测对象识别), their steps, and the assistance measures of enrolled households."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import StrictBody, Version
from services.common.text import IsoDate, NonBlankText
from services.monitoring.cases.workflow import CaseAction, MonitoringType
from services.monitoring.codes import RiskCode

Reason = Annotated[NonBlankText, Field(max_length=1000)]


class CaseOpen(StrictBody):
    """Open identification from one or more live alerts of one household (they join the case)."""

    id: uuid.UUID | None = Field(default=None, description="Your UUID for the case, so a retry is recognised")
    alert_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)


class CaseStep(StrictBody):
    action: CaseAction = Field(description=CaseAction.describe())
    base_version: Version
    reason: Reason | None = Field(default=None, description="Required to return, reject or object")
    notice_ends_on: IsoDate | None = Field(default=None, description="start_notice: the last day of 公示")
    monitoring_type: MonitoringType | None = Field(
        default=None, description=f"The county's approval: {MonitoringType.describe()}"
    )
    risk_codes: list[RiskCode] | None = Field(
        default=None,
        max_length=12,
        description="The county's approval: the risk types (default: the alerts')",
    )


class CaseEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str | None
    to_state: str
    actor_id: str
    actor_name: str
    actor_role: str
    reason: str | None
    at: datetime


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    state: str
    monitoring_type: str | None
    risk_codes: list[str]
    first_alert_at: datetime
    decision_due_on: date = Field(
        description="The county should decide by then (thresholds' alert_decision_days)"
    )
    decided_at: datetime | None
    notice_ends_on: date | None
    enrolled_on: date | None
    eliminated_on: date | None
    opened_by: str
    opened_at: datetime
    version: int
    actions: list[str] = Field(default=[], description="The actions you may take now")
    days_to_decision: int | None = Field(default=None, description="First alert → county decision, in days")


class CaseDetail(CaseRead):
    history: list[CaseEventRead]
    alert_ids: list[uuid.UUID]
