"""Beneficiary links and payments: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import StrictBody, whole
from services.common.openapi import CheckedAlone
from services.common.text import CleanText, IsoDate, NonBlankText
from services.projects.beneficiaries.codes import LinkKind

PositiveFen = Annotated[int, *whole(1, 10**12)]


class LinkCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    project_id: uuid.UUID | None = Field(default=None, description="The project (or give asset_id)")
    asset_id: uuid.UUID | None = Field(default=None, description="The asset (or give project_id)")
    household_id: uuid.UUID = Field(description="The registry's household, in your area")
    kind: LinkKind = Field(description=LinkKind.describe())
    starts_on: IsoDate = Field(description="From when the household benefits; not in the future")
    note: Annotated[CleanText, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> LinkCreate:
        if (self.project_id is None) == (self.asset_id is None):
            raise ValueError("a link names either a project_id or an asset_id")
        return self


class LinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID | None
    asset_id: uuid.UUID | None
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village")
    kind: str
    kind_label: str = ""
    starts_on: date
    note: str | None
    paid_fen: int = Field(default=0, description="Paid to the household through this link so far, in fen")
    created_by: str
    created_at: datetime


# Each a link as for POST /api/v1/beneficiary-links, checked on its own: a bad item is answered in the
# result, never fatal to the batch.
LinkBatchItem = Annotated[dict[str, Any], CheckedAlone(LinkCreate)]


class LinkBatch(StrictBody):
    items: list[LinkBatchItem] = Field(min_length=1, max_length=1000)


class LinkItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = Field(default=None, description="The item's id (null: sent without one, refused)")
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class LinkBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[LinkItemResult]


class PaymentCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    amount_fen: PositiveFen = Field(description="What the household received, in fen (分), above 0")
    paid_on: IsoDate = Field(description="The day it was paid; not in the future, not before the link")
    voucher: Annotated[NonBlankText, Field(max_length=100)] = Field(description="凭证号")
    notice_id: uuid.UUID | None = Field(
        default=None, description="Optional: the asset's income distribution notice (公示) this pays out"
    )


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    link_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    amount_fen: int
    paid_on: date
    voucher: str
    notice_id: uuid.UUID | None
    created_by: str
    created_at: datetime
