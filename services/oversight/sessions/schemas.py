"""Sessions: request and response bodies, and their figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import AREA_CODE_PATTERN, StrictBody, whole
from services.common.text import IsoDate, NonBlankText
from services.oversight.sessions.models import Audience, SessionKind


class SessionCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The area that held it")
    held_on: IsoDate
    kind: SessionKind = Field(description=SessionKind.describe())
    audience: Audience = Field(description=Audience.describe())
    title: Annotated[NonBlankText, Field(max_length=200)]
    place: Annotated[NonBlankText, Field(max_length=200)] | None = None
    attendance: Annotated[int, *whole(1, 100_000)] | None = Field(
        default=None, description="人次; or give attendees, whose count it then is"
    )
    attendees: list[Annotated[NonBlankText, Field(max_length=100)]] | None = Field(
        default=None, min_length=1, max_length=2000, description="The names, where they were taken"
    )

    @model_validator(mode="after")
    def _counted(self) -> SessionCreate:
        if self.attendance is None and self.attendees is None:
            raise ValueError("give attendance or attendees")
        if self.attendance is not None and self.attendees is not None:
            if self.attendance != len(self.attendees):
                raise ValueError("attendance is the number of attendees named")
        return self


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    held_on: date
    kind: str
    audience: str
    title: str
    place: str | None
    attendance: int
    attendees: list[str] | None
    created_by: str
    created_at: datetime


class SessionKindFigures(BaseModel):
    kind: str
    label: str
    sessions: int
    attendance: int = Field(description="人次")
    cadre_sessions: int
    cadre_attendance: int
    villager_sessions: int
    villager_attendance: int


class SessionFigures(BaseModel):
    since: date = Field(description="Sessions held from this date up to as_of")
    sessions: int
    attendance: int = Field(description="人次, all audiences")
    cadre_attendance: int
    villager_attendance: int
