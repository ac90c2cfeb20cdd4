"""The sync feed: first a full download of the caller's area, then the change log window by window.

A phone that applies every page and keeps the last cursor ends with exactly the server's view of its
area: entities are sent as they are now (never a stale snapshot), and anything that left the area, was
deleted, merged away or died arrives as a tombstone that says why. The last page of the full download
carries the changes made while it ran, so a first sync ends without an extra empty page. A cursor
older than the horizon (or whose changes compaction moved away) restarts: catching up never costs
more than starting again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.events.window import Position, finished_below, read_window
from services.registry.changes import CHANGE_LOG
from services.registry.households.views import Presenter, summary
from services.registry.models import Household, Person
from services.registry.national_id import IdVault
from services.registry.sync import repository as sql
from services.registry.sync.cursor import DELTA, FULL, SyncCursor, invalid_cursor, restart
from services.registry.sync.schemas import SyncChanges, Tombstone, TombstoneReason
from services.registry.villages.sync import village_snapshots

DAY_S = 86_400
WINDOW_COLUMNS = "entity_type, entity_id, action, reason"


class SyncService:
    def __init__(
        self, session: AsyncSession, vault: IdVault, principal: Principal, key: bytes, horizon_days: int
    ) -> None:
        self.session = session
        self.principal = principal
        self.presenter = Presenter(session, vault, principal, reveal=False)
        self.key = key
        self.horizon_s = horizon_days * DAY_S

    async def changes(self, raw: str | None, limit: int) -> SyncChanges:
        cursor = await self._fresh() if raw is None else await self._usable(SyncCursor.decode(raw, self.key))
        if cursor.phase == FULL:
            page = await self._full(cursor, limit)
        else:
            households, people, tombstones, next_cursor, more = await self._delta(cursor.position, limit)
            page = self._page(households, people, tombstones, next_cursor, has_more=more)
        if not page.has_more:  # the villages' groups and profiles, whole, once a sync is through
            since = None if cursor.phase == FULL else cursor.issued
            page.villages = await village_snapshots(self.session, self.principal.scope_prefix, since)
        return page

    async def _fresh(self) -> SyncCursor:
        """The start of a full download: the change log from the moment it began follows it."""
        return SyncCursor(self.principal.scope_prefix, FULL, Position(await finished_below(self.session)))

    async def _usable(self, cursor: SyncCursor | None) -> SyncCursor:
        if cursor is None:
            raise restart("This cursor was issued before cursors were signed", await self._fresh(), self.key)
        if cursor.scope != self.principal.scope_prefix:
            raise restart("Your area changed since this cursor was issued", await self._fresh(), self.key)
        if time.time() - cursor.issued > self.horizon_s:
            why = f"This cursor is older than the sync horizon ({self.horizon_s // DAY_S} days)"
            raise restart(why, await self._fresh(), self.key)
        moved = await sql.last_moved(self.session)
        read_past = cursor.position.after is not None and cursor.position.after[0] > moved
        if cursor.position.low <= moved and not read_past:
            why = "Changes since this cursor were compacted out of the change log"
            raise restart(why, await self._fresh(), self.key)
        return cursor

    async def _full(self, cursor: SyncCursor, limit: int) -> SyncChanges:
        """Households, then people, ``limit`` records a page (one more is read to know whether this is
        the last); the last page goes on into the change log, so no empty page follows it."""
        scope, position = self.principal.scope_prefix, cursor.position
        households: Sequence[Household] = []
        after = _uuid_or_none(cursor.after)
        if cursor.table == "household":
            households = await sql.households_from(self.session, scope, after, limit + 1)
            if len(households) > limit:
                next_cursor = SyncCursor(scope, FULL, position, "household", str(households[limit - 1].id))
                return self._page(households[:limit], [], [], next_cursor, has_more=True)
            after = None
        room = limit - len(households)
        people = await sql.people_from(self.session, scope, after, room + 1)
        if len(people) > room:
            last = str(people[room - 1].id) if room else (str(after) if after else None)
            next_cursor = SyncCursor(scope, FULL, position, "person", last)
            return self._page(households, people[:room], [], next_cursor, has_more=True)
        # The download is complete: the same page carries what changed while it ran.
        room = max(room - len(people), 1)
        more_households, more_people, tombstones, next_cursor, more = await self._delta(position, room)
        seen = {h.id for h in households} | {p.id for p in people}
        return self._page(
            [*households, *(h for h in more_households if h.id not in seen)],
            [*people, *(p for p in more_people if p.id not in seen)],
            tombstones,
            next_cursor,
            has_more=more,
        )

    async def _delta(
        self, position: Position, limit: int
    ) -> tuple[list[Any], list[Any], list[Tombstone], SyncCursor, bool]:
        scope = self.principal.scope_prefix
        rows, position, has_more = await read_window(
            self.session, CHANGE_LOG, scope, position, limit, WINDOW_COLUMNS
        )
        next_cursor = SyncCursor(scope, DELTA, position)
        logged_reasons = {r.entity_id: r.reason for r in rows if r.action == "deleted"}
        household_ids = list(dict.fromkeys(r.entity_id for r in rows if r.entity_type == "household"))
        person_ids = list(dict.fromkeys(r.entity_id for r in rows if r.entity_type == "person"))
        households = await sql.households_by_id(self.session, household_ids)
        people = await sql.people_by_id(self.session, person_ids)
        records: list[Household | Person] = [*households, *people]
        reasons = {r.id: self._gone(r) for r in records}
        left = {_household_of(r) for r in records if reasons[r.id] is TombstoneReason.out_of_scope}
        merged = await sql.merges_out(self.session, sorted(left), scope)
        deleted = [h.id for h in households if reasons[h.id] is TombstoneReason.deleted]
        members = await sql.deleted_members(self.session, deleted)
        went_with = {person for ids in members.values() for person in ids}
        tombstones = [
            self._tombstone(record, reason, merged, members, logged_reasons)
            for record in records
            if (reason := reasons[record.id]) is not None and record.id not in went_with
        ]
        live_households = [h for h in households if reasons[h.id] is None]
        live_people = [p for p in people if reasons[p.id] is None]
        return live_households, live_people, tombstones, next_cursor, has_more

    @staticmethod
    def _tombstone(
        record: Household | Person,
        reason: TombstoneReason,
        merged: dict[uuid.UUID, str],
        members: dict[uuid.UUID, list[uuid.UUID]],
        logged_reasons: dict[uuid.UUID, str | None],
    ) -> Tombstone:
        entity_type = "person" if isinstance(record, Person) else "household"
        tombstone = Tombstone(entity_type=entity_type, id=record.id, reason=reason)
        if reason is TombstoneReason.out_of_scope and _household_of(record) in merged:
            tombstone.reason = TombstoneReason.merged
            tombstone.successor_area_code = merged[_household_of(record)]
        elif reason is TombstoneReason.deleted and isinstance(record, Household):
            tombstone.deleted_reason = record.deleted_reason or logged_reasons.get(record.id)
            tombstone.member_ids = members[record.id]
        elif reason is TombstoneReason.deleted:
            tombstone.deleted_reason = logged_reasons.get(record.id)
        return tombstone

    def _gone(self, record: Household | Person) -> TombstoneReason | None:
        if record.deleted_at is not None:
            return TombstoneReason.deleted
        if not self.principal.covers(record.area_code):
            return TombstoneReason.out_of_scope
        if isinstance(record, Person) and record.deceased_on is not None:
            return TombstoneReason.deceased
        return None

    def _page(
        self,
        households: Sequence[Household],
        people: Sequence[Person],
        tombstones: list[Tombstone],
        next_cursor: SyncCursor,
        *,
        has_more: bool,
    ) -> SyncChanges:
        return SyncChanges(
            households=[summary(h) for h in households],
            people=self.presenter.people(people),
            tombstones=tombstones,
            next_cursor=next_cursor.encode(self.key),
            has_more=has_more,
        )


def _household_of(record: Household | Person) -> uuid.UUID:
    return record.household_id if isinstance(record, Person) else record.id


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise invalid_cursor() from exc
