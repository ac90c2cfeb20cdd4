"""Driving the event relays from tests: as if the relay crashed, as if the subscriber were down."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.events.relay import Relay, Subscription
from services.common.events.tokens import ServiceTokens
from tests.support.database import libpq_url
from tests.support.system import Database, Keys


def relay_of(system: FastAPI, part: str) -> Relay:
    return system.state.local_apps[part].state.event_relay


async def deliver(relay: Relay, expected: int, patience_s: float = 30.0) -> int:
    """Deliver what is pending until ``expected`` events went (or patience ran out): a window ends at
    the oldest transaction open on the server, which another test run's may hold back a moment."""
    delivered = await relay.deliver_pending()
    deadline = asyncio.get_running_loop().time() + patience_s
    while delivered < expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        delivered += await relay.deliver_pending()
    return delivered


async def forget_positions(database: Database, schema: str) -> None:
    """As if the relay had crashed after delivering but before storing how far it got."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(f"DELETE FROM {schema}.event_deliveries")  # noqa: S608 - test constant
    finally:
        await conn.close()


def relay_to_nowhere(live: Relay, keys: Keys, client: httpx.AsyncClient) -> Relay:
    """The same source and positions, but every subscriber is ``client`` (one that cannot connect)."""
    return Relay(
        live.source,
        [Subscription(s.subscriber, s.event_types, client) for s in live.subscriptions],
        live.sessionmaker,
        ServiceTokens(keys.service_token_secret, live.source.name),
    )


def unreachable() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=1)
