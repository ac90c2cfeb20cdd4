"""Turning change-log rows into typed events (the log is written in the same transaction as the change,
so it is the registry's outbox: nothing committed is missing, nothing rolled back appears)."""

from __future__ import annotations

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, ValidationFailed
from services.common.events.window import Position, read_window
from services.common.pagination import decode_cursor, encode_cursor
from services.registry.changes import CHANGE_LOG, EVENT_COLUMNS
from services.registry.events.schemas import EventType, RegistryEvent, RegistryEvents
from services.registry.sync.repository import last_moved

HEALTH_FIELDS = frozenset({"health", "disability_grade"})
# The types a change of these fields of an entity gives, besides ``{entity}.changed`` (the relay's
# filters are made from the same table).
TYPES_BY_FIELDS: dict[EventType, tuple[str, frozenset[str]]] = {
    EventType.household_moved: ("household", frozenset({"area_code"})),
    EventType.person_health_changed: ("person", HEALTH_FIELDS),
    EventType.person_deceased: ("person", frozenset({"deceased_on"})),
    EventType.person_death_withdrawn: ("person", frozenset({"deceased_on"})),
    EventType.person_moved: ("person", frozenset({"household_id"})),
}


def event_types(row: Row) -> list[EventType]:
    entity = row.entity_type
    if row.action in ("created", "deleted"):
        return [EventType(f"{entity}.{row.action}")]
    fields = set(row.changes or {})
    types = [EventType(f"{entity}.changed")]
    for kind, (of, names) in TYPES_BY_FIELDS.items():
        if entity == of and fields & names:
            types.append(kind)
    if EventType.person_deceased in types:  # a date of death set, or taken back: one of the two
        withdrawn = row.changes["deceased_on"][1] is None
        types.remove(EventType.person_deceased if withdrawn else EventType.person_death_withdrawn)
    return types


async def read_events(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> RegistryEvents:
    scope = principal.scope_prefix
    decoded = decode_cursor(cursor)
    try:
        position = Position.from_json(decoded) if decoded is not None else Position(0)
        if decoded is not None and decoded.get("s") != scope:
            raise ValueError("another scope")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed.field(
            ["query", "cursor"], "The cursor is not one this API issued for your area", "bad_cursor"
        ) from exc
    moved = await last_moved(session)
    if decoded is not None and moved and position.low <= moved:
        # Compaction moved changes this cursor had not read yet out of the log (past the sync horizon):
        # the reader must learn the records' state afresh, then follow the feed from what is kept.
        kept = encode_cursor({"s": scope} | Position(moved + 1).to_json())
        raise Conflict(
            "Events after this cursor are older than the horizon and no longer kept; read the records "
            "afresh, then follow the feed with the cursor given here",
            code="events_compacted",
            cursor=kept,
        )
    rows, position, has_more = await read_window(session, CHANGE_LOG, scope, position, limit, EVENT_COLUMNS)
    items = [
        RegistryEvent(
            id=row.id,
            types=event_types(row),
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            area_code=row.area_code,
            old_area_code=row.old_area_code,
            version=row.version,
            occurred_at=row.occurred_at,
            fields=sorted(row.changes or {}),
            changes=row.changes,
        )
        for row in rows
    ]
    return RegistryEvents(
        items=items, next_cursor=encode_cursor({"s": scope} | position.to_json()), has_more=has_more
    )
