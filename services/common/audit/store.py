"""Audit rows in the database: append under a lock (so the chain is one line), verify, query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.common.audit.chain import (
    GENESIS,
    canonical_changes,
    canonical_record,
    first_broken_link,
)
from services.common.audit.trail import AuditTrail, Outcome
from services.common.text import IsoDateTime

VERIFY_BATCH = 2000


class AuditFilters(BaseModel):
    """What an auditor may ask the audit log for (query parameters, the same at gateway and services)."""

    actor: str | None = Field(default=None, max_length=100, description="User or key id, or username")
    resource_type: str | None = Field(default=None, max_length=50)
    resource_id: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=100)
    outcome: Outcome | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None


class AuditStore:
    def __init__(self, table: sa.Table, chain: str) -> None:
        self.table = table
        self.chain = chain  # the part whose chain this is
        # The schema's own function (services/common/sql/010_audit_log.sql): lock, last hash, insert.
        self._append = text(f"SELECT {table.schema}.audit_log_append(CAST(:contents AS text[]))")

    async def append(
        self, session: AsyncSession, trail: AuditTrail, outcome: Outcome, status: int | None
    ) -> None:
        entries = trail.entries_to_write(succeeded=outcome is Outcome.success)
        if not entries:
            return
        actor = trail.actor_columns()
        rows = [
            actor
            | {
                "occurred_at": entry.occurred_at,
                "action": entry.action,
                "resource_type": entry.resource_type,
                "resource_id": entry.resource_id,
                "area_code": entry.area_code,
                "changes": canonical_changes(entry.changes),
                "outcome": outcome.value,
                "status": status,
            }
            for entry in entries
        ]
        # One round trip: the database links them to the chain under the chain's lock, held to the end
        # of the request's transaction (one writer at a time), and stores the columns out of the very
        # text it hashed. A batch of 500 visits is one call.
        await session.execute(self._append, {"contents": [canonical_record(row) for row in rows]})

    async def verify(self, conn: AsyncConnection | AsyncSession) -> dict[str, Any]:
        """Walk the whole chain in id order; report the first broken link and the head to anchor."""
        prev_hash, last_id, checked = GENESIS, 0, 0
        while True:
            query = (
                sa.select(self.table)
                .where(self.table.c.id > last_id)
                .order_by(self.table.c.id)
                .limit(VERIFY_BATCH)
            )
            rows = [dict(r._mapping) for r in (await conn.execute(query))]
            if not rows:
                break
            broken, prev_hash = first_broken_link(rows, prev_hash)
            if broken is not None:
                return {"chain": self.chain, "ok": False, "records_checked": checked, "first_broken": broken}
            checked += len(rows)
            last_id = rows[-1]["id"]
        head = {"id": last_id, "hash": prev_hash} if checked else None
        return {
            "chain": self.chain,
            "ok": True,
            "records_checked": checked,
            "first_broken": None,
            "head": head,
        }

    async def events(
        self,
        conn: AsyncConnection | AsyncSession,
        *,
        scope_prefix: str,
        limit: int,
        filters: AuditFilters,
        before: tuple[datetime, str, int] | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first. ``before`` is the merged listing's cursor (occurred_at, chain, id)."""
        t = self.table
        f = filters
        query = sa.select(t)
        if scope_prefix:
            # An auditor sees what happened in its area and what its area's people did.
            query = query.where(
                sa.or_(t.c.area_code.startswith(scope_prefix), t.c.actor_scope.startswith(scope_prefix))
            )
        if f.actor:
            query = query.where(sa.or_(t.c.actor_id == f.actor, t.c.actor_name == f.actor))
        for column, value in (
            (t.c.resource_type, f.resource_type),
            (t.c.resource_id, f.resource_id),
            (t.c.action, f.action),
            (t.c.outcome, f.outcome),
        ):
            if value:
                query = query.where(column == value)
        if f.since:
            query = query.where(t.c.occurred_at >= f.since)
        if f.until:
            query = query.where(t.c.occurred_at < f.until)
        if before is not None:
            at, chain, row_id = before
            if self.chain < chain:
                query = query.where(t.c.occurred_at <= at)
            elif self.chain == chain:
                query = query.where(
                    sa.or_(t.c.occurred_at < at, sa.and_(t.c.occurred_at == at, t.c.id < row_id))
                )
            else:
                query = query.where(t.c.occurred_at < at)
        query = query.order_by(t.c.occurred_at.desc(), t.c.id.desc()).limit(limit)
        rows = (await conn.execute(query)).all()
        return [dict(r._mapping) | {"chain": self.chain} for r in rows]
