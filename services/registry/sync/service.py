"""The sync feed: first a full download of the caller's area, then the change log window by window.

A phone that applies every page and keeps the last cursor ends with exactly the server's view of its
area: entities are sent as they are now (never a stale snapshot), and anything that left the area,
was deleted or merged away arrives as a tombstone.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, ValidationFailed
from services.common.events.window import Position, finished_below, read_window
from services.common.pagination import bad_cursor, decode_cursor, encode_cursor
from services.registry.changes import CHANGE_LOG, ENTITY_COLUMNS
from services.registry.households.views import Presenter, summary
from services.registry.models import Household, Person
from services.registry.national_id import IdVault
from services.registry.sync import repository as sql
from services.registry.sync.schemas import SyncChanges, Tombstone, TombstoneReason

FULL, DELTA = "full", "delta"


def _bad_cursor() -> ValidationFailed:
    return bad_cursor()


class SyncCursor:
    """Where a phone is: in the full download (which table, after which id) or in the change log."""

    def __init__(
        self, scope: str, phase: str, position: Position, table: str = "household", after: Any = None
    ):
        self.scope, self.phase, self.position, self.table, self.after = scope, phase, position, table, after

    @classmethod
    def decode(cls, raw: str, scope: str) -> SyncCursor:
        value = decode_cursor(raw) or {}
        try:
            cursor = cls(
                str(value["s"]),
                str(value["p"]),
                Position.from_json(value),
                str(value.get("t", "")),
                value.get("k"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad_cursor() from exc
        if cursor.phase not in (FULL, DELTA):
            raise _bad_cursor()
        if cursor.scope != scope:
            raise Conflict(
                "Your area changed since this cursor was issued; sync again from the start (no cursor)",
                code="sync_restart",
            )
        return cursor

    def encode(self) -> str:
        return encode_cursor(
            {"s": self.scope, "p": self.phase, "t": self.table, "k": self.after} | self.position.to_json()
        )


class SyncService:
    def __init__(self, session: AsyncSession, vault: IdVault, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.presenter = Presenter(session, vault, principal, reveal=False)

    async def changes(self, cursor: str | None, limit: int) -> SyncChanges:
        scope = self.principal.scope_prefix
        if cursor is None:
            start = SyncCursor(scope, FULL, Position(await finished_below(self.session)))
            return await self._full(start, limit)
        position = SyncCursor.decode(cursor, scope)
        if position.phase == FULL:
            return await self._full(position, limit)
        return await self._delta(position, limit)

    async def _full(self, cursor: SyncCursor, limit: int) -> SyncChanges:
        after = _uuid_or_none(cursor.after)
        scope = self.principal.scope_prefix
        if cursor.table == "household":
            households = await sql.households_from(self.session, scope, after, limit)
            full_page = len(households) == limit
            next_cursor = (
                SyncCursor(scope, FULL, cursor.position, "household", str(households[-1].id))
                if full_page
                else SyncCursor(scope, FULL, cursor.position, "person", None)
            )
            return self._page(households, [], [], next_cursor, has_more=True)
        people = await sql.people_from(self.session, scope, after, limit)
        if len(people) == limit:
            next_cursor = SyncCursor(scope, FULL, cursor.position, "person", str(people[-1].id))
            return self._page([], people, [], next_cursor, has_more=True)
        # The download is complete; from here on, the change log from the moment it began.
        return self._page([], people, [], SyncCursor(scope, DELTA, cursor.position), has_more=True)

    async def _delta(self, cursor: SyncCursor, limit: int) -> SyncChanges:
        scope = self.principal.scope_prefix
        rows, position, has_more = await read_window(
            self.session, CHANGE_LOG, scope, cursor.position, limit, ENTITY_COLUMNS
        )
        next_cursor = SyncCursor(scope, DELTA, position)
        household_ids = list(dict.fromkeys(r.entity_id for r in rows if r.entity_type == "household"))
        person_ids = list(dict.fromkeys(r.entity_id for r in rows if r.entity_type == "person"))
        households = await sql.households_by_id(self.session, household_ids)
        people = await sql.people_by_id(self.session, person_ids)
        live_households: list[Household | Person] = []  # one loop fills both
        live_people: list[Household | Person] = []
        tombstones: list[Tombstone] = []
        for entity_type, records, live in (
            ("household", households, live_households),
            ("person", people, live_people),
        ):
            for record in records:
                reason = self._gone(record)
                if reason is None:
                    live.append(record)
                else:
                    tombstones.append(Tombstone(entity_type=entity_type, id=record.id, reason=reason))
        return self._page(live_households, live_people, tombstones, next_cursor, has_more=has_more)

    def _gone(self, record: Household | Person) -> TombstoneReason | None:
        if record.deleted_at is not None:
            return TombstoneReason.deleted
        if not self.principal.covers(record.area_code):
            return TombstoneReason.out_of_scope
        return None

    def _page(
        self,
        households: list[Household] | Any,
        people: list[Person] | Any,
        tombstones: list[Tombstone],
        next_cursor: SyncCursor,
        *,
        has_more: bool,
    ) -> SyncChanges:
        return SyncChanges(
            households=[summary(h) for h in households],
            people=self.presenter.people(people),
            tombstones=tombstones,
            next_cursor=next_cursor.encode(),
            has_more=has_more,
        )


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise _bad_cursor() from exc
