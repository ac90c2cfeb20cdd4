"""The registry's events for other services' relay: the change log, typed as in the event feed.

Monitoring takes a member's health turning to serious illness or disability as a risk signal
(因病/因残), so those events carry the person's household. It also keeps who is a member of which
household on which day, to count people as the registry does (``monitoring:members``, a feed of its
own: added after the first, it starts from the log's beginning, so a deployment that had no such feed
replays its whole history into monitoring once). A person's move carries the day it took effect.
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
# The day a person's move took effect (it may be backdated): the move row written in the same
# transaction as the change (both stamped with its now()).
MOVED_ON_COLUMN = (
    "CASE WHEN entity_type = 'person' AND action = 'changed' AND changes -> 'household_id' IS NOT NULL THEN "
    "(SELECT m.effective_on FROM registry.person_moves m WHERE m.person_id = entity_id "
    "AND m.created_at = occurred_at ORDER BY m.id DESC LIMIT 1) END AS moved_on"
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
# Who is a member of which household from when: monitoring counts people from it.
MEMBERS_WANTS = frozenset(
    t.value
    for t in (
        EventType.household_created,
        EventType.household_deleted,
        EventType.person_created,
        EventType.person_moved,
        EventType.person_deceased,
        EventType.person_death_withdrawn,
        EventType.person_deleted,
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
    columns = f"{EVENT_COLUMNS}, {HOUSEHOLD_COLUMN}, {MOVED_ON_COLUMN}"

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
                }
                | ({"effective_on": row.moved_on.isoformat()} if row.moved_on else {}),
            )
            for row in rows
            for kind in event_types(row)
        ]
