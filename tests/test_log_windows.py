"""A window of a change log or outbox is read from its (xid, id) index up to the limit, never by sorting
the whole log: the relay, the phones' sync and the event feed read one window after another, and a
sorted log costs every window the whole table (5 s a window with 2 million changes)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.database import async_url
from services.common.events.outbox import outbox_log
from services.common.events.window import window_sql
from services.monitoring.phone_feed.repository import PHONE_LOG
from services.registry.changes import CHANGE_LOG
from services.registry.events.relay import MEMBERS_WANTS, RegistryEventSource
from tests.support.system import Database

REGISTRY = RegistryEventSource()
WINDOWS = {
    "the relay's members feed": (CHANGE_LOG, REGISTRY.columns, REGISTRY.rows_for(MEMBERS_WANTS)),
    "the registry's sync": (CHANGE_LOG, "entity_type, entity_id", "true"),
    "monitoring's phone feed": (PHONE_LOG, "source, record_id", "true"),
    "monitoring's outbox": (outbox_log("monitoring"), "event_type", "true"),
}
PARAMS = {"low": "10", "high": "100000", "pattern": "610924%", "after_xid": "20", "after_id": 7, "limit": 500}


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's nodes, leaving out subplans (the columns' own lookups, which may sort their rows)."""
    children = [
        c for c in plan.get("Plans", []) if c.get("Parent Relationship") not in ("SubPlan", "InitPlan")
    ]
    return [plan, *(node for child in children for node in _nodes(child))]


@pytest.mark.parametrize("name", list(WINDOWS))
async def test_a_window_is_read_in_index_order(clean_database: Database, name: str) -> None:
    log, columns, rows_filter = WINDOWS[name]
    engine = create_async_engine(async_url(clean_database.owner_url))
    try:
        async with engine.begin() as connection:
            # Whatever the table's size: a plan that can only sort would still sort with scans off.
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            await connection.execute(text("SET LOCAL enable_bitmapscan = off"))
            explain = text("EXPLAIN (FORMAT JSON) " + window_sql(log, columns, rows_filter))
            plan = (await connection.execute(explain, PARAMS)).scalar_one()[0]["Plan"]
    finally:
        await engine.dispose()
    nodes = _nodes(plan)
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], plan
    table = log.table.split(".")[1]
    scans = [n for n in nodes if n.get("Relation Name") == table]
    assert [n["Node Type"] for n in scans] == ["Index Scan"], plan
    assert scans[0]["Index Name"].endswith("_xid"), plan
