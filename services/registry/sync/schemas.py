"""The phones' sync feed: what changed in the caller's area since its cursor."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from services.registry.households.schemas import HouseholdSummary, PersonRead


class TombstoneReason(StrEnum):
    deleted = "deleted"  # deleted on the server (registered by mistake)
    out_of_scope = "out_of_scope"  # moved away, or its village merged into one outside your area


class Tombstone(BaseModel):
    entity_type: str = Field(description="household or person")
    id: uuid.UUID
    reason: TombstoneReason


class SyncChanges(BaseModel):
    """Apply in order: upsert households and people by id, then drop the tombstoned ids."""

    households: list[HouseholdSummary]
    people: list[PersonRead]
    tombstones: list[Tombstone]
    next_cursor: str = Field(description="Send as `cursor` next time; store it only after applying this page")
    has_more: bool = Field(description="True when more is ready now: ask again straight away")
