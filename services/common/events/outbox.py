"""The transactional outbox: an event row committed in the same transaction as the change it reports.

A service that publishes events has an ``outbox_events`` table (``outbox_ddl``), writes to it with
``publish`` inside its unit of work, and runs a relay (``services.common.events.relay``) that delivers
the rows to subscribers. Payloads are snapshots taken when the event happened.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events.window import Log

OUTBOX_TABLE = "outbox_events"
DELIVERIES_TABLE = "event_deliveries"
INBOX_TABLE = "inbox_events"


def outbox_log(schema: str) -> Log:
    return Log(f"{schema}.{OUTBOX_TABLE}")


def outbox_ddl(schema: str) -> str:
    """The outbox of a publishing service."""
    return f"""
CREATE TABLE {schema}.{OUTBOX_TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event_type varchar(64) NOT NULL,
    area_code varchar(12) NOT NULL,
    subject_id uuid,
    payload jsonb NOT NULL
);
CREATE INDEX ix_outbox_events_xid ON {schema}.{OUTBOX_TABLE} (xid, id);
"""


def deliveries_ddl(schema: str) -> str:
    """How far the relay has delivered each subscriber (of the outbox, or of a change log)."""
    return f"""
CREATE TABLE {schema}.{DELIVERIES_TABLE} (
    subscriber varchar(32) PRIMARY KEY,
    position jsonb NOT NULL,
    delivered integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


def inbox_ddl(schema: str) -> str:
    """The events a consuming service has handled, by source and id: a repeat is recognised and ignored."""
    return f"""
CREATE TABLE {schema}.{INBOX_TABLE} (
    source varchar(32) NOT NULL,
    event_id varchar(64) NOT NULL,
    event_type varchar(64) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
"""


async def publish(
    session: AsyncSession,
    schema: str,
    event_type: str,
    *,
    area_code: str,
    payload: dict[str, Any],
    subject_id: uuid.UUID | None = None,
) -> int:
    """Record an event in the caller's transaction; the relay delivers it once that commits."""
    # ``schema`` is the publishing service's own constant, never input.
    insert = f"INSERT INTO {schema}.{OUTBOX_TABLE} (event_type, area_code, subject_id, payload) "  # noqa: S608
    event_id = await session.scalar(
        text(insert + "VALUES (:event_type, :area_code, :subject_id, CAST(:payload AS jsonb)) RETURNING id"),
        {
            "event_type": event_type,
            "area_code": area_code,
            "subject_id": subject_id,
            "payload": json.dumps(payload, ensure_ascii=False, default=str),
        },
    )
    return int(event_id)
