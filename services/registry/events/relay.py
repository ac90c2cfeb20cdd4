"""The registry's events for other services' relay: the change log, typed as in the event feed.

Monitoring takes a member's health turning to serious illness or disability as a risk signal
(因病/因残), so those events carry the person's household.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row

from services.common.events.relay import OutgoingEvent
from services.registry.changes import CHANGE_LOG, EVENT_COLUMNS
from services.registry.events.schemas import EventType
from services.registry.events.service import TYPES_BY_FIELDS, event_types

# The household a person is in when the relay reads the change (normally seconds after it).
HOUSEHOLD_COLUMN = (
    "CASE entity_type WHEN 'household' THEN entity_id "
    "WHEN 'pairing' THEN (SELECT a.household_id FROM registry.cadre_assignments a WHERE a.id = entity_id) "
    "ELSE (SELECT p.household_id FROM registry.people p WHERE p.id = entity_id) END AS household_id"
)
# Health: a risk signal. Pairings, and the moves and deletions of households: visit compliance.
MONITORING_WANTS = frozenset(
    t.value
    for t in (
        EventType.person_health_changed,
        EventType.pairing_created,
        EventType.pairing_changed,
        EventType.household_moved,
        EventType.household_deleted,
    )
)

# The change-log rows each event type can come from (``event_types`` has the final word).
ROWS_OF_TYPE = {
    kind: f"action = '{kind.value.split('.')[1]}' AND entity_type = '{kind.value.split('.')[0]}'"
    for kind in EventType
    if kind not in TYPES_BY_FIELDS
} | {
    kind: f"action = 'changed' AND entity_type = '{entity}' AND ("
    + " OR ".join(f"changes -> '{name}' IS NOT NULL" for name in sorted(names))
    + ")"
    for kind, (entity, names) in TYPES_BY_FIELDS.items()
}


class RegistryEventSource:
    name = "registry"
    schema = "registry"
    log = CHANGE_LOG
    columns = f"{EVENT_COLUMNS}, {HOUSEHOLD_COLUMN}"

    def rows_for(self, event_types: frozenset[str]) -> str:
        return " OR ".join(f"({ROWS_OF_TYPE[EventType(t)]})" for t in sorted(event_types)) or "false"

    def events(self, rows: Sequence[Row]) -> list[OutgoingEvent]:
        return [
            OutgoingEvent(
                id=f"{row.id}:{kind.value}",  # one change can be several events
                type=kind.value,
                area_code=row.area_code,
                occurred_at=row.occurred_at.isoformat(),
                subject_id=str(row.household_id) if row.household_id else None,
                payload={
                    "entity_type": row.entity_type,
                    "entity_id": str(row.entity_id),
                    "household_id": str(row.household_id) if row.household_id else None,
                    "version": row.version,
                    "changes": row.changes,
                },
            )
            for row in rows
            for kind in event_types(row)
        ]
