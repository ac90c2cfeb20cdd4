"""The event relay: delivers a service's events to the services subscribed to them, at least once.

For each subscriber, one transaction: take the subscriber's advisory lock (one replica delivers to it
at a time), read the next window of the log after the stored position, POST the events it wants, and
store the new position. A failed delivery rolls back, so the same events go again later; subscribers
record event ids (inbox) and ignore repeats. The transaction gets a transaction id only at its final
UPDATE, so while it waits on the subscriber it holds back nobody's windows (the phones' sync feed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.events.outbox import DELIVERIES_TABLE
from services.common.events.tokens import ServiceTokens
from services.common.events.window import Log, Position, log_has_rows, read_window
from services.common.metrics import EVENT_BACKLOG_AGE, EVENT_DELIVERY_FAILURES, EVENTS_DELIVERED

logger = logging.getLogger("fangpin.events")
EVENTS_PATH = "/internal/v1/events"
MAX_BACKOFF_S = 60.0
NAME = re.compile(r"[a-z][a-z0-9_.]*")


@dataclass(frozen=True)
class OutgoingEvent:
    id: str  # unique within the source
    type: str
    area_code: str
    occurred_at: str
    payload: dict[str, Any]
    subject_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """As it is posted. Not ``dataclasses.asdict``, which deep-copies every payload first: a twentieth
        of a busy server's CPU went to copying events only to serialise them."""
        return {
            "id": self.id,
            "type": self.type,
            "area_code": self.area_code,
            "occurred_at": self.occurred_at,
            "payload": self.payload,
            "subject_id": self.subject_id,
        }


class EventSource(Protocol):
    """What a publishing service tells the relay: its name, where it keeps positions, its log."""

    @property
    def name(self) -> str: ...
    @property
    def schema(self) -> str: ...
    @property
    def log(self) -> Log: ...
    @property
    def columns(self) -> str: ...

    def events(self, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[OutgoingEvent]: ...

    def rows_for(self, event_types: frozenset[str]) -> str:
        """SQL: the log rows that can give any of these event types (a superset is fine, ``events``
        decides). The relay reads only those: a bulk import's thousands of created rows, say, are not
        read and turned into events no subscriber takes."""
        ...


def peer_of(subscriber: str) -> str:
    """The service a subscriber is: ``monitoring:members`` is a second feed to monitoring."""
    return subscriber.partition(":")[0]


@dataclass(frozen=True)
class Subscription:
    """``subscriber`` names a service, or ``service:feed`` for a second feed to the same service with a
    position of its own (a feed added later starts from the log's beginning, so it replays history)."""

    subscriber: str
    event_types: frozenset[str]
    client: httpx.AsyncClient | None  # None: the subscriber is not configured here

    @property
    def peer(self) -> str:
        """The service that takes the events (the token's audience)."""
        return peer_of(self.subscriber)


def sql_names(names: frozenset[str]) -> str:
    """Event type names as an SQL list of literals; they are our own constants, checked to be plain."""
    if not all(NAME.fullmatch(name) for name in names):
        raise ValueError(f"event types are lowercase names with dots: {sorted(names)}")
    return ", ".join(f"'{name}'" for name in sorted(names))


class DeliveryFailed(Exception):
    """The subscriber did not take the events; they go again later."""


class Relay:
    def __init__(
        self,
        source: EventSource,
        subscriptions: Sequence[Subscription],
        sessionmaker: async_sessionmaker[AsyncSession],
        tokens: ServiceTokens,
        *,
        interval_s: float = 1.0,
        batch: int = 500,
    ) -> None:
        self.source = source
        self.subscriptions = subscriptions
        self.sessionmaker = sessionmaker
        self.tokens = tokens
        self.interval_s = interval_s
        self.batch = batch
        self._failures: dict[str, int] = {}
        self._rows_filters = {s.subscriber: source.rows_for(s.event_types) for s in subscriptions}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"event-relay-{self.source.name}")

    async def stop(self) -> None:
        """Cancel the loop: an unfinished delivery rolls back and goes again on the next start."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def deliver_pending(self) -> int:
        """Deliver everything committed so far to every subscriber; raises if one refuses."""
        delivered = 0
        for subscription in self.subscriptions:
            more = True
            while more:
                count, more = await self._deliver_batch(subscription)
                delivered += count
        return delivered

    async def _run(self) -> None:
        while True:
            wait = self.interval_s
            # A batch for each subscriber in turn while any has more: one feed's backlog (a feed replaying
            # the log from its beginning, say) never holds another's new events back.
            pending = list(self.subscriptions)
            while pending:
                more_to_do = []
                for subscription in pending:
                    try:
                        _, more = await self._deliver_batch(subscription)
                        self._failures.pop(subscription.subscriber, None)
                        if more:
                            more_to_do.append(subscription)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - any failure means: try again later
                        failures = self._failures.get(subscription.subscriber, 0) + 1
                        self._failures[subscription.subscriber] = failures
                        wait = min(max(wait, self.interval_s * 2**failures), MAX_BACKOFF_S)
                        await self._note_failure(subscription, exc)
                pending = more_to_do
            await asyncio.sleep(wait)

    async def _deliver_batch(self, subscription: Subscription) -> tuple[int, bool]:
        table = f"{self.source.schema}.{DELIVERIES_TABLE}"
        async with self.sessionmaker() as session, session.begin():
            lock_key = f"{table}:{subscription.subscriber}"
            if not await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": lock_key}
            ):
                return 0, False  # another replica is delivering to this subscriber
            stored = await session.scalar(
                text(f"SELECT position FROM {table} WHERE subscriber = :s"),  # noqa: S608
                {"s": subscription.subscriber},
            )
            position = Position.from_json(stored) if stored else Position(0)
            rows, after, more = await read_window(
                session,
                self.source.log,
                "",
                position,
                self.batch,
                self.source.columns,
                self._rows_filters[subscription.subscriber],
            )
            events = [e for e in self.source.events(rows) if e.type in subscription.event_types]
            if events:
                await self._post(subscription, events)
            if rows or stored is None or await self._passed_unwanted_rows(session, position, after):
                await self._store(session, table, subscription.subscriber, after, len(events))
        self._record_metrics(subscription, events, rows, more)
        return len(events), more

    async def _passed_unwanted_rows(self, session: AsyncSession, before: Position, after: Position) -> bool:
        """Whether this window moved past log rows no subscriber here wants. Then the position is stored,
        so the next window does not read them again (nor does "drained" wait for them); an idle tick, when
        only other tables' transactions moved the horizon, writes nothing."""
        if after.low <= before.low:
            return False
        return await log_has_rows(session, self.source.log, before.low, after.low)

    async def _post(self, subscription: Subscription, events: list[OutgoingEvent]) -> None:
        if subscription.client is None:
            raise DeliveryFailed(f"{subscription.subscriber} is not configured in this process")
        headers = {"Authorization": f"Bearer {self.tokens.sign(subscription.peer)}"}
        body = {"source": self.source.name, "events": [e.as_json() for e in events]}
        try:
            response = await subscription.client.post(EVENTS_PATH, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{subscription.subscriber} did not answer: {exc!r}") from exc
        if response.status_code >= 300:
            raise DeliveryFailed(
                f"{subscription.subscriber} answered {response.status_code}: {response.text[:300]}"
            )

    @staticmethod
    async def _store(
        session: AsyncSession, table: str, subscriber: str, position: Position, count: int
    ) -> None:
        upsert = f"""
            INSERT INTO {table} (subscriber, position, delivered) VALUES (:s, CAST(:p AS jsonb), :n)
            ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position,
                delivered = {table}.delivered + excluded.delivered,
                attempts = 0, last_error = NULL, updated_at = now()
        """  # noqa: S608 - the table name is the service's own constant
        await session.execute(
            text(upsert), {"s": subscriber, "p": json.dumps(position.to_json()), "n": count}
        )

    async def _note_failure(self, subscription: Subscription, exc: Exception) -> None:
        EVENT_DELIVERY_FAILURES.labels(self.source.name, subscription.subscriber).inc()
        logger.warning(
            "event delivery to %s failed; will retry: %s",
            subscription.subscriber,
            exc,
            extra={"source": self.source.name, "subscriber": subscription.subscriber},
        )
        table = f"{self.source.schema}.{DELIVERIES_TABLE}"
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    text(
                        f"UPDATE {table} SET attempts = attempts + 1, last_error = :e, "  # noqa: S608
                        "updated_at = now() WHERE subscriber = :s"
                    ),
                    {"s": subscription.subscriber, "e": str(exc)[:1000]},
                )
        except Exception:  # noqa: BLE001 - the database may be what failed; the log line says enough
            logger.debug("could not record the delivery failure", exc_info=True)

    def _record_metrics(
        self,
        subscription: Subscription,
        events: list[OutgoingEvent],
        rows: Sequence[Row[*tuple[Any, ...]]],
        more: bool,
    ) -> None:
        labels = (self.source.name, subscription.subscriber)
        if events:
            EVENTS_DELIVERED.labels(*labels).inc(len(events))
        oldest = rows[0] if more and rows else None
        age = 0.0
        if oldest is not None and (at := getattr(oldest, "occurred_at", None)) is not None:
            age = max(0.0, (datetime.now(UTC) - at).total_seconds())
        EVENT_BACKLOG_AGE.labels(*labels).set(age)
