"""Turning change-log rows into typed events (the log is written in the same transaction as the change,
so it is the registry's outbox: nothing committed is missing, nothing rolled back appears)."""

from __future__ import annotations

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import ValidationFailed
from services.common.events.window import Position, read_window
from services.common.pagination import decode_cursor, encode_cursor
from services.registry.changes import CHANGE_LOG, EVENT_COLUMNS
from services.registry.events.schemas import EventType, RegistryEvent, RegistryEvents

HEALTH_FIELDS = {"health", "disability_grade"}


def event_types(row: Row) -> list[EventType]:
    entity = row.entity_type
    if row.action in ("created", "deleted"):
        return [EventType(f"{entity}.{row.action}")]
    fields = set(row.changes or {})
    types = [EventType(f"{entity}.changed")]
    if entity == "household" and "area_code" in fields:
        types.append(EventType.household_moved)
    if entity == "person":
        if fields & HEALTH_FIELDS:
            types.append(EventType.person_health_changed)
        if "deceased_on" in fields and (row.changes["deceased_on"][1] is not None):
            types.append(EventType.person_deceased)
        if "household_id" in fields:
            types.append(EventType.person_moved)
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
