"""The registry's change log (``record_changes``, written by triggers in the changing transaction), as
read by the phones' sync feed, the event feed and the event relay."""

from __future__ import annotations

from services.common.events.window import Log

# A change touches a scope where the row is now, or where it was before it moved.
CHANGE_LOG = Log(
    "registry.record_changes", area_filter="area_code LIKE :pattern OR old_area_code LIKE :pattern"
)
ENTITY_COLUMNS = "entity_type, entity_id"
EVENT_COLUMNS = ", ".join(
    ("entity_type", "entity_id", "action", "area_code", "old_area_code", "version", "changes", "occurred_at")
)
