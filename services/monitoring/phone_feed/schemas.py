"""The phone feed's pages."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field


class FeedRecord(BaseModel):
    source: str = Field(description="plans (MeasureRead), rounds (RoundRead), round_households …")
    id: uuid.UUID
    data: dict[str, Any] = Field(description="The record as it is now, in its source's read schema")


class FeedTombstone(BaseModel):
    source: str
    id: uuid.UUID
    reason: Literal["out_of_scope"] = Field(description="It left your area (a household moved away)")


class FeedPage(BaseModel):
    """Apply in order: upsert records by (source, id), then drop the tombstoned ones."""

    records: list[FeedRecord]
    tombstones: list[FeedTombstone]
    next_cursor: str = Field(description="Send as `cursor` next time; store it only after applying this page")
    has_more: bool = Field(description="True when more is ready now: ask again straight away")
