"""The phones' sync feed: what changed in the caller's area since its cursor."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from services.registry.households.schemas import HouseholdSummary, PersonRead
from services.registry.villages.schemas import VillageSync


class TombstoneReason(StrEnum):
    deleted = "deleted"  # deleted on the server (registered by mistake): ``deleted_reason`` says why
    out_of_scope = "out_of_scope"  # moved out of your area (where to is not said)
    merged = "merged"  # its village was merged into one outside your area: ``successor_area_code``
    deceased = "deceased"  # a person who died: out of the active set, still readable by id


class Tombstone(BaseModel):
    entity_type: str = Field(description="household or person")
    id: uuid.UUID
    reason: TombstoneReason
    deleted_reason: str | None = Field(default=None, description="For deleted: the reason registered")
    successor_area_code: str | None = Field(
        default=None, description="For merged: the village its village was merged into"
    )
    member_ids: list[uuid.UUID] | None = Field(
        default=None, description="For a deleted household: its members, deleted with it (drop them too)"
    )


class SyncChanges(BaseModel):
    """Apply in order: upsert households and people by id, then drop the tombstoned ids."""

    households: list[HouseholdSummary]
    people: list[PersonRead]
    tombstones: list[Tombstone]
    next_cursor: str = Field(description="Send as `cursor` next time; store it only after applying this page")
    has_more: bool = Field(description="True when more is ready now: ask again straight away")
    villages: list[VillageSync] = Field(
        default_factory=list,
        description="On the last page: each village whose groups (村民小组) or profile (村情) changed since "
        "the cursor (all in your area on a full download), whole: replace what you hold for it",
    )
