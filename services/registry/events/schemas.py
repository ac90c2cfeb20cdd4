"""Registry events for other services and partner systems, read from the change log."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class EventType(StrEnum):
    household_created = "household.created"
    household_changed = "household.changed"
    household_moved = "household.moved"  # to another village (a move or a village merge)
    household_deleted = "household.deleted"
    person_created = "person.created"
    person_changed = "person.changed"
    person_health_changed = "person.health_changed"  # health or disability grade
    person_deceased = "person.deceased"
    person_death_withdrawn = "person.death_withdrawn"  # a date of death taken back (recorded by mistake)
    person_moved = "person.moved"  # to another household
    person_deleted = "person.deleted"
    pairing_created = "pairing.created"  # a cadre paired with a household (帮扶结对)
    pairing_changed = "pairing.changed"  # its dates changed: mostly, it ended


class RegistryEvent(BaseModel):
    id: int = Field(description="The change's number; with `types` it identifies an event for consumers")
    types: list[EventType] = Field(description="Every type that applies to this change, most general first")
    entity_type: str
    entity_id: uuid.UUID
    area_code: str
    old_area_code: str | None
    version: int | None
    occurred_at: datetime
    fields: list[str] = Field(description="The fields that changed")
    changes: dict[str, list[object]] | None = Field(description="{field: [old, new]} as of the change")


class RegistryEvents(BaseModel):
    items: list[RegistryEvent]
    next_cursor: str = Field(description="Send as `cursor` next time; keep it only after handling the page")
    has_more: bool
