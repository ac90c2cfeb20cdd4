"""Assistance cadres (帮扶责任人) and their pairings with households."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.common.text import IsoDate, NonBlankText
from services.registry.households.schemas import Phone


class CadreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: uuid.UUID | None = Field(default=None, description="Client UUID; a retry returns the first result")
    area_code: str = Field(pattern=r"^[0-9]{12}$", description="Where the cadre works (town or village)")
    name: NonBlankText = Field(max_length=50, examples=["李建国"])
    unit: NonBlankText = Field(max_length=100, examples=["县农业农村局"])
    phone: Phone | None = None


class CadreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    name: str
    unit: str
    phone: str | None
    active: bool
    created_at: datetime


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(
        default=None,
        description="Client UUID; a retry returns the first result, even after the pairing ended",
    )
    household_id: uuid.UUID
    starts_on: IsoDate | None = Field(default=None, description="Defaults to today")


class AssignmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_on: IsoDate | None = Field(default=None, description="Defaults to today")


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cadre_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    starts_on: date
    ends_on: date | None
    current: bool


class HouseholdCadre(BaseModel):
    """A cadre paired with a household now or before."""

    assignment: AssignmentRead
    cadre: CadreRead
