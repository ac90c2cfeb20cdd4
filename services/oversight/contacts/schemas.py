"""Contacts: request and response bodies, the rule, and the figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, Bool, StrictBody
from services.common.openapi import CheckedAlone
from services.common.text import IsoDateTime, NonBlankText
from services.oversight.contacts.models import ContactMethod


class ContactCreate(StrictBody):
    id: uuid.UUID = Field(description="The phone's UUID: a retry of the same contact is answered 200")
    cadre_id: uuid.UUID = Field(description="The registry's cadre who made the contact, in your area")
    household_id: uuid.UUID = Field(
        description="The household contacted: registered in your area, paired with the cadre or in the "
        "cadre's own area"
    )
    method: ContactMethod = Field(description=ContactMethod.describe())
    at: IsoDateTime = Field(description="When, with its zone offset; not in the future")
    note: Annotated[NonBlankText, Field(max_length=500)] | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cadre_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village when the contact was taken")
    method: str
    at: datetime
    day: date
    note: str | None
    created_by: str


MAX_BATCH = 1000
BatchItem = Annotated[dict[str, Any], CheckedAlone(ContactCreate)]


class ContactBatch(StrictBody):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class ContactItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    area_code: str | None = Field(default=None, description="For a created item: the household's village")
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class ContactBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[ContactItemResult]


class RuleSet(StrictBody):
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="Applies within this area (a county's)")
    remote_counts: Bool = Field(
        description="true: a phone or WeChat contact counts toward visit compliance as a visit does"
    )


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_code: str
    remote_counts: bool
    set_by: str
    set_at: datetime


class MethodFigures(BaseModel):
    method: str
    label: str
    contacts: int
    households: int = Field(description="Households contacted this way (each once)")


class ContactFigures(BaseModel):
    since: date
    contacts: int
    households: int = Field(description="Households contacted any way (each once)")
    counted_as_visits: int = Field(
        description="Contacts that count toward visit compliance: visits, and remote contacts where the "
        "area's rule says they count"
    )
