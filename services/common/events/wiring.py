"""Starting and stopping a service's relay with the app, and the event source every outbox provides."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Row

from services.common.events.outbox import outbox_log
from services.common.events.relay import (
    EventSource,
    OutgoingEvent,
    Relay,
    Subscription,
    peer_of,
    sql_names,
)
from services.common.events.tokens import ServiceTokens
from services.common.events.window import Log
from services.common.peers import open_peer

logger = logging.getLogger("fangpin.events")


@dataclass(frozen=True)
class OutboxSource:
    """The events a service wrote with ``publish``."""

    name: str
    schema: str
    columns: str = "event_type, area_code, subject_id, occurred_at, payload"

    @property
    def log(self) -> Log:
        return outbox_log(self.schema)

    def events(self, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[OutgoingEvent]:
        return [
            OutgoingEvent(
                id=str(row.id),
                type=row.event_type,
                area_code=row.area_code,
                occurred_at=row.occurred_at.isoformat(),
                payload=row.payload,
                subject_id=str(row.subject_id) if row.subject_id else None,
            )
            for row in rows
        ]

    def rows_for(self, event_types: frozenset[str]) -> str:
        return f"event_type IN ({sql_names(event_types)})" if event_types else "false"  # noqa: S608


async def start_relay(
    app: FastAPI,
    source: EventSource,
    wanted: Mapping[str, frozenset[str]],
    urls: Mapping[str, str | None],
) -> None:
    """``wanted``: subscriber → the event types it takes; ``urls``: where each subscriber is (None: in
    this process). The relay runs in the background unless ``event_relay_interval_s`` is 0; either way
    it is ``app.state.event_relay`` (``deliver_pending()`` delivers now)."""
    settings = app.state.settings
    app.state.event_relay = None
    peers = {peer_of(name) for name in wanted}  # "monitoring:members" is monitoring
    app.state.event_clients = clients = {name: open_peer(app, name, urls.get(name)) for name in peers}
    if not settings.service_token_secret:
        logger.warning("%s: no service token secret, so its events are not delivered", app.state.part)
        return
    relay = Relay(
        source,
        [Subscription(name, types, clients[peer_of(name)]) for name, types in wanted.items()],
        app.state.database.sessionmaker,
        ServiceTokens(settings.service_token_secret, app.state.part),
        interval_s=settings.event_relay_interval_s,
    )
    app.state.event_relay = relay
    if settings.event_relay_interval_s > 0:
        relay.start()


async def stop_relay(app: FastAPI) -> None:
    if (relay := getattr(app.state, "event_relay", None)) is not None:
        await relay.stop()
    for client in getattr(app.state, "event_clients", {}).values():
        if client is not None:
            await client.aclose()
