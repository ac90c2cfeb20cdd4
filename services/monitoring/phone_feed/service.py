"""The phone feed: the full download of the caller's area source by source, then the change log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Principal
from services.common.errors import Conflict
from services.common.events.window import Position, finished_below, read_window
from services.common.pagination import bad_cursor, decode_cursor, encode_cursor
from services.monitoring.phone_feed.repository import PHONE_LOG, rows_by_id, rows_in_scope
from services.monitoring.phone_feed.schemas import FeedPage, FeedRecord, FeedTombstone
from services.monitoring.phone_feed.sources import BY_NAME, SOURCES, SOURCES_TAG, FeedSource

FULL, DELTA = "full", "delta"


def _covers(source: FeedSource, area_code: str, scope: str) -> bool:
    return area_code.startswith(scope) or (source.reaches_down and scope.startswith(prefix_of(area_code)))


class PhoneFeed:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.scope = principal.scope_prefix

    def _cursor(self, phase: str, position: Position, source: str = "", after: str | None = None) -> str:
        return encode_cursor(
            {"s": self.scope, "t": SOURCES_TAG, "p": phase, "src": source, "k": after} | position.to_json()
        )

    async def _fresh(self) -> tuple[str, Position, str, str | None]:
        return FULL, Position(await finished_below(self.session)), SOURCES[0].name, None

    async def _read(self, raw: str | None) -> tuple[str, Position, str, str | None]:
        if raw is None:
            return await self._fresh()
        value = decode_cursor(raw) or {}
        try:
            phase, position = str(value["p"]), Position.from_json(value)
            source, after = str(value["src"]), value["k"]
            scope, tag = str(value["s"]), str(value["t"])
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_cursor() from exc
        if phase not in (FULL, DELTA) or (phase == FULL and source not in BY_NAME):
            raise bad_cursor()
        if after is not None and not isinstance(after, str):
            raise bad_cursor()
        if scope != self.scope or tag != SOURCES_TAG:
            fresh = await self._fresh()
            raise Conflict(
                "Your area or the feed's sources changed since this cursor was issued; sync again from the "
                "start with the cursor given here (or none)",
                code="sync_restart",
                cursor=self._cursor(fresh[0], fresh[1], fresh[2]),
            )
        return phase, position, source, after

    async def changes(self, raw: str | None, limit: int) -> FeedPage:
        phase, position, source, after = await self._read(raw)
        if phase == DELTA:
            return await self._delta(position, limit)
        return await self._full(position, source, _uuid(after), limit)

    async def _full(self, position: Position, source: str, after: uuid.UUID | None, limit: int) -> FeedPage:
        """Each source's rows in the area by id, ``limit`` a page; the last page goes on into the log."""
        names = [s.name for s in SOURCES]
        records: list[FeedRecord] = []
        for name in names[names.index(source) :]:
            room = limit - len(records)
            rows = await rows_in_scope(self.session, BY_NAME[name], self.scope, after, room + 1)
            if len(rows) > room:
                records += [_record(BY_NAME[name], r) for r in rows[:room]]
                last = str(rows[room - 1].id) if room else (str(after) if after else None)
                return FeedPage(
                    records=records,
                    tombstones=[],
                    next_cursor=self._cursor(FULL, position, name, last),
                    has_more=True,
                )
            records += [_record(BY_NAME[name], r) for r in rows]
            after = None
        # The download is complete: the same page carries what changed while it ran.
        more = await self._delta(position, max(limit - len(records), 1))
        seen = {(r.source, r.id) for r in records}
        more.records = [*records, *(r for r in more.records if (r.source, r.id) not in seen)]
        return more

    async def _delta(self, position: Position, limit: int) -> FeedPage:
        rows, position, has_more = await read_window(
            self.session, PHONE_LOG, self.scope, position, limit, "source, record_id"
        )
        wanted: dict[str, list[uuid.UUID]] = {}
        for row in rows:
            if row.source in BY_NAME and row.record_id not in wanted.setdefault(row.source, []):
                wanted[row.source].append(row.record_id)
        records, tombstones = [], []
        for name, ids in wanted.items():
            source = BY_NAME[name]
            for found in await rows_by_id(self.session, source, ids):
                if _covers(source, found.area_code, self.scope):
                    records.append(_record(source, found))
                else:
                    tombstones.append(FeedTombstone(source=name, id=found.id, reason="out_of_scope"))
        return FeedPage(
            records=records,
            tombstones=tombstones,
            next_cursor=self._cursor(DELTA, position),
            has_more=has_more,
        )


def _record(source: FeedSource, row: Any) -> FeedRecord:
    return FeedRecord(
        source=source.name, id=row.id, data=source.read.model_validate(row).model_dump(mode="json")
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise bad_cursor() from exc
