"""Alerts (预警) and the signals that raised them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version
from services.common.text import NonBlankText
from services.monitoring.codes import RiskCode


class AlertSignalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str = Field(description="inspection, registry, employment, partner or self_declared")
    source_id: str = Field(description="The record that carried it, e.g. the inspection's id")
    severity: str
    reason: str
    rule_version: str
    threshold_id: uuid.UUID | None
    threshold_version: int | None
    raised_at: datetime


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    risk_code: str
    severity: str
    state: str
    reason: str = Field(description="The latest signal's reason")
    signals: int = Field(description="How many times this risk was found while the alert was live")
    first_raised_at: datetime
    last_raised_at: datetime
    handled_by: str | None
    handled_at: datetime | None
    dismissal_reason: str | None
    version: int
    actions: list[str] = Field(default=[], description="What you may do with it now")


class AlertDetail(AlertRead):
    history: list[AlertSignalRead]


class AlertAcknowledge(StrictBody):
    base_version: Version


class AlertDismiss(StrictBody):
    base_version: Version
    reason: Annotated[NonBlankText, Field(max_length=500, description="Why there is no risk after all")]


class Declaration(StrictBody):
    """A household asks for help itself (农户自主申报), recorded by a cadre or the household's app."""

    id: uuid.UUID = Field(description="Your UUID for the declaration, so a retry is recognised")
    household_id: uuid.UUID
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The household's village")
    risk_code: RiskCode = Field(description=RiskCode.describe())
    reason: Annotated[NonBlankText, Field(max_length=1000, description="What the household says happened")]
