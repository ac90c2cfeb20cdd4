"""Household requests (诉求): request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version
from services.common.text import IsoDate, NonBlankText
from services.monitoring.requests.workflow import Channel, Feedback, RequestAction, Topic

Note = Annotated[NonBlankText, Field(max_length=1000)]


class RequestCreate(StrictBody):
    """A request a household made, as the cadre or the phone recorded it."""

    id: uuid.UUID = Field(description="Your UUID for the request, so a retry is recognised")
    household_id: uuid.UUID
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The household's village")
    person_id: uuid.UUID | None = Field(default=None, description="The member who asked, if one did")
    channel: Channel = Field(description=Channel.describe())
    source_id: uuid.UUID | None = Field(
        default=None,
        description="visit: the inspection (a visit of this household); declaration: the declaration's "
        "id (POST /api/v1/alerts/declarations of this household); phone_call: none",
    )
    topic: Topic = Field(description=Topic.describe())
    content: Annotated[NonBlankText, Field(max_length=2000)] = Field(description="What is asked (诉求内容)")
    received_on: IsoDate
    handler_name: Annotated[NonBlankText, Field(max_length=100)] = Field(
        description="Who handles it (承办人/单位)"
    )
    handler_cadre_id: uuid.UUID | None = Field(
        default=None,
        description="The handler as a registered cadre (paired with the household or of its area)",
    )
    due_on: IsoDate = Field(description="办理时限: the request is overdue after this day while still open")

    @model_validator(mode="after")
    def _consistent(self) -> RequestCreate:
        if self.due_on < self.received_on:
            raise ValueError("due_on is before received_on")
        if self.channel is Channel.phone_call and self.source_id is not None:
            raise ValueError("a phone call has no source_id")
        return self


class RequestStep(StrictBody):
    action: RequestAction = Field(description=RequestAction.describe())
    base_version: Version
    on: IsoDate | None = Field(default=None, description="The day it happened (default today, China time)")
    note: Note | None = Field(
        default=None,
        description="resolve: what was done; explain: the explanation given (both required); "
        "handle, feedback: optional",
    )
    feedback: Feedback | None = Field(
        default=None, description=f"feedback only, required: {Feedback.describe()}; dissatisfied reopens it"
    )


class RequestStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str | None
    to_state: str
    on_date: date
    note: str | None
    actor_id: str
    actor_name: str
    at: datetime


class RequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    person_id: uuid.UUID | None
    channel: str
    source_id: uuid.UUID | None
    topic: str
    content: str
    received_on: date
    handler_name: str
    handler_cadre_id: uuid.UUID | None
    due_on: date
    state: str
    outcome: str | None = Field(description="What was done (resolved) or the explanation (explained)")
    closed_on: date | None
    feedback: str | None
    feedback_note: str | None
    feedback_on: date | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    actions: list[str] = Field(default=[], description="The steps you may take now")


class RequestDetail(RequestRead):
    steps: list[RequestStepRead] = []


class OverdueRequest(RequestRead):
    days_overdue: int = Field(description="Days past due_on on the list's date")
