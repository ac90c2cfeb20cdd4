"""Answers that disclose something registered outside the caller's area: "this ID number belongs to
a living person registered outside your area", "this household number is registered outside your
area". They are kept on purpose (the caller must learn why a registration cannot go through, and whom
to ask), but each is written to the audit log, and each caller gets at most ``disclosure_limit`` of
them in any ``disclosure_window_s``, so they cannot be used to find out who is registered where.

The audit log is the counter: it is append-only, in PostgreSQL (every replica counts the same rows),
and a disclosure is recorded in a transaction of its own, under a lock per caller, before it is
answered, so it stays on record when the refused request's own transaction rolls back. Past the
limit, every request that *could* disclose is refused with 429 before anything is looked up, whatever
it carries: a refusal that came only when there was something to disclose would be the answer itself.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.audit.requests import trail_for
from services.common.audit.store import AuditStore
from services.common.audit.trail import AuditEntry, AuditTrail, Outcome
from services.common.auth import Principal, PrincipalKind, Role
from services.common.database import get_database
from services.common.errors import Conflict, RateLimited

NATIONAL_ID_ELSEWHERE = "person.registered_elsewhere.disclosed"
HOUSEHOLD_NUMBER_ELSEWHERE = "household.registered_elsewhere.disclosed"
ACTIONS = (NATIONAL_ID_ELSEWHERE, HOUSEHOLD_NUMBER_ELSEWHERE)
USED = """
SELECT count(*) AS used, min(occurred_at) AS oldest FROM registry.audit_log
WHERE actor_id = :actor AND action = ANY(:actions) AND occurred_at > :since
"""


@dataclass(frozen=True)
class Disclosure:
    """What one answer gives away: the record outside the caller's area it speaks of (never the ID
    number itself), and where it was said (an import's row)."""

    action: str
    resource_type: str
    resource_id: str
    area_code: str
    changes: dict[str, Any] | None = None

    @classmethod
    def person(cls, person_id: object, area_code: str, **context: Any) -> Disclosure:
        return cls(NATIONAL_ID_ELSEWHERE, "person", str(person_id), area_code, _changes(context) or None)

    @classmethod
    def household(cls, household_id: object, area_code: str, **context: Any) -> Disclosure:
        changes = _changes(context) or None
        return cls(HOUSEHOLD_NUMBER_ELSEWHERE, "household", str(household_id), area_code, changes)

    def entry(self, context: dict[str, Any]) -> AuditEntry:
        changes = (self.changes or {}) | _changes(context)
        return AuditEntry(self.action, self.resource_type, self.resource_id, self.area_code, changes or None)


def _changes(context: dict[str, Any]) -> dict[str, Any]:
    return {key: [None, value] for key, value in context.items()}


class Disclosing(Conflict):
    """A 409 whose answer says that something exists outside the caller's area (see the gate)."""

    def __init__(self, detail: str, disclosure: Disclosure, *, code: str, **extra: Any) -> None:
        super().__init__(detail, code=code, **extra)
        self.disclosure = disclosure


class DisclosureLimited(RateLimited):
    code = "disclosure_rate_limited"


class DisclosureGate:
    """One caller's allowance of disclosures, for one request (or the import job it started)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        store: AuditStore,
        trail: AuditTrail,
        principal: Principal,
        *,
        limit: int,
        window_s: int,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.store = store
        self.trail = trail
        self.principal = principal
        self.limit = limit
        self.window_s = window_s
        self.retry_after_s = window_s
        self.left = limit  # as of the last count
        self.context: dict[str, Any] = {}  # said with every disclosure (an import: its job)

    @classmethod
    def of(cls, request: Request, principal: Principal) -> DisclosureGate:
        settings = request.app.state.settings
        return cls(
            get_database(request).sessionmaker,
            request.app.state.audit_store,
            trail_for(request),
            principal,
            limit=settings.disclosure_limit,
            window_s=settings.disclosure_window_s,
        )

    def spec(self) -> dict[str, Any]:
        """All that makes this gate but its database and audit store, as JSON: an import job run in a
        process of its own rebuilds the same gate from it (``rebuilt``)."""
        trail = self.trail
        return {
            "principal": asdict(self.principal),
            "trail": {
                "method": trail.method,
                "route": trail.route,
                "request_id": trail.request_id,
                "address": trail.address,
                "client": trail.client,
                "path_params": trail.path_params,
            },
            "limit": self.limit,
            "window_s": self.window_s,
            "context": self.context,
        }

    @classmethod
    def rebuilt(
        cls, spec: dict[str, Any], sessionmaker: async_sessionmaker, store: AuditStore
    ) -> DisclosureGate:
        caller = spec["principal"]
        principal = Principal(
            **caller | {"kind": PrincipalKind(caller["kind"]), "role": Role(caller["role"])}
        )
        gate = cls(
            sessionmaker,
            store,
            AuditTrail(**spec["trail"]),
            principal,
            limit=spec["limit"],
            window_s=spec["window_s"],
        )
        gate.context = dict(spec["context"])
        return gate

    async def check(self) -> None:
        """Before a request that could disclose: 429 when the caller has none left, whatever it asks."""
        async with self.sessionmaker() as session:
            used = await self._used(session)
        if used >= self.limit:
            raise self.limited()

    async def take(self, disclosures: Sequence[Disclosure], status: int | None = None) -> int:
        """As many of ``disclosures`` (in order) as the caller has left, recorded; how many that is."""
        if not disclosures:
            return 0
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"disclosures:{self.principal.id}"},
            )
            granted = max(0, min(len(disclosures), self.limit - await self._used(session)))
            if granted:
                entries = [d.entry(self.context) for d in disclosures[:granted]]
                trail = replace(self.trail, principal=self.principal, entries=entries)
                await self.store.append(session, trail, Outcome.success, status)
                await self._used(session)  # when the next one is free, counting these
        return granted

    @asynccontextmanager
    async def answering(self, session: AsyncSession) -> AsyncIterator[None]:
        """Around a request's work: a disclosing 409 goes out only if the caller has one left (and is
        then on record); otherwise the answer is 429 instead."""
        try:
            yield
        except Disclosing as exc:
            # The request fails either way: let go of its row locks before waiting for the audit's.
            await session.rollback()
            if not await self.take([exc.disclosure], status=exc.status):
                raise self.limited() from exc
            raise

    def limited(self) -> DisclosureLimited:
        return DisclosureLimited(
            self.retry_after_s,
            f"You have had {self.limit} answers within {self.window_s} s saying that an ID number or a "
            "household number is registered outside your area, the most allowed; registering is refused "
            f"until {self.retry_after_s} s from now",
            limit=self.limit,
            window_s=self.window_s,
            retry_after=self.retry_after_s,  # also in the body: a batch item has no headers of its own
        )

    async def _used(self, session: Any) -> int:
        """Disclosures to this caller within the window; notes when the oldest of them drops out."""
        now = datetime.now(UTC)
        since = now.timestamp() - self.window_s
        row = (
            await session.execute(
                text(USED),
                {
                    "actor": self.principal.id,
                    "actions": list(ACTIONS),
                    "since": datetime.fromtimestamp(since, UTC),
                },
            )
        ).one()
        oldest = row.oldest.timestamp() if row.oldest is not None else now.timestamp()
        self.retry_after_s = max(1, math.ceil(oldest - since))
        self.left = max(0, self.limit - row.used)
        return row.used
