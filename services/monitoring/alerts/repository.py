"""SQL of alerts: one live alert per household and risk, repeats attached as signals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.ids import new_id
from services.common.scope import in_scope
from services.monitoring.models import Alert, AlertSignal


@dataclass(frozen=True)
class Signal:
    """A finding about one household from one source (an inspection, a partner record …)."""

    household_id: uuid.UUID
    area_code: str
    risk_code: str
    severity: str
    reason: str
    rule_version: str
    source: str
    source_id: str
    raised_at: datetime
    threshold_id: uuid.UUID | None = None
    threshold_version: int | None = None


# Opens the alert, or attaches to the live one. Severity only goes up while the alert is live. A
# signal never moves an alert to another area: only the registry's move events do (events/moves.py).
RAISE_SQL = """
INSERT INTO monitoring.alerts AS a (
    id, household_id, area_code, risk_code, severity, state, reason, signals,
    first_raised_at, last_raised_at)
SELECT * FROM unnest(
    CAST(:ids AS uuid[]), CAST(:households AS uuid[]), CAST(:areas AS varchar[]), CAST(:codes AS varchar[]),
    CAST(:severities AS varchar[]), CAST(:states AS varchar[]), CAST(:reasons AS text[]),
    CAST(:ones AS integer[]), CAST(:times AS timestamptz[]), CAST(:times AS timestamptz[]))
ON CONFLICT (household_id, risk_code) WHERE state IN ('open', 'acknowledged') DO UPDATE SET
    signals = a.signals + 1,
    reason = EXCLUDED.reason,
    severity = CASE WHEN a.severity = 'high' OR EXCLUDED.severity = 'high' THEN 'high'
                    WHEN a.severity = 'medium' OR EXCLUDED.severity = 'medium' THEN 'medium'
                    ELSE 'low' END,
    last_raised_at = greatest(a.last_raised_at, EXCLUDED.last_raised_at),
    version = a.version + 1
RETURNING id, household_id, risk_code
"""

# What raised or repeated each alert; one statement for a whole batch (objects through the ORM cost
# more than the rest of an inspection's intake).
SIGNALS_SQL = """
INSERT INTO monitoring.alert_signals (
    alert_id, source, source_id, severity, reason, rule_version, threshold_id, threshold_version, raised_at)
SELECT * FROM unnest(
    CAST(:alerts AS uuid[]), CAST(:sources AS varchar[]), CAST(:source_ids AS varchar[]),
    CAST(:severities AS varchar[]), CAST(:reasons AS text[]), CAST(:rules AS varchar[]),
    CAST(:thresholds AS uuid[]), CAST(:threshold_versions AS integer[]), CAST(:times AS timestamptz[]))
"""


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def raise_signals(self, signals: Sequence[Signal]) -> list[uuid.UUID]:
        """Open or repeat an alert for each signal (at most one per household and risk code)."""
        if not signals:
            return []
        ordered = sorted(signals, key=lambda s: (s.household_id, s.risk_code))  # one lock order
        rows = await self.session.execute(
            text(RAISE_SQL),
            {
                "ids": [new_id() for _ in ordered],
                "households": [s.household_id for s in ordered],
                "areas": [s.area_code for s in ordered],
                "codes": [s.risk_code for s in ordered],
                "severities": [s.severity for s in ordered],
                "states": ["open"] * len(ordered),
                "reasons": [s.reason for s in ordered],
                "ones": [1] * len(ordered),
                "times": [s.raised_at for s in ordered],
            },
        )
        alert_of = {(r.household_id, r.risk_code): r.id for r in rows}
        await self.session.execute(
            text(SIGNALS_SQL),
            {
                "alerts": [alert_of[(s.household_id, s.risk_code)] for s in ordered],
                "sources": [s.source for s in ordered],
                "source_ids": [s.source_id for s in ordered],
                "severities": [s.severity for s in ordered],
                "reasons": [s.reason for s in ordered],
                "rules": [s.rule_version for s in ordered],
                "thresholds": [s.threshold_id for s in ordered],
                "threshold_versions": [s.threshold_version for s in ordered],
                "times": [s.raised_at for s in ordered],
            },
        )
        return [alert_of[(s.household_id, s.risk_code)] for s in signals]

    async def signal_from(self, source: str, source_id: str) -> AlertSignal | None:
        query = select(AlertSignal).where(AlertSignal.source == source, AlertSignal.source_id == source_id)
        return (await self.session.execute(query.limit(1))).scalars().first()

    async def get(self, alert_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Alert | None:
        query = select(Alert).where(Alert.id == alert_id, in_scope(col(Alert.area_code), scope_prefix))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def signals_of(self, alert_id: uuid.UUID) -> Sequence[AlertSignal]:
        query = select(AlertSignal).where(AlertSignal.alert_id == alert_id).order_by(col(AlertSignal.id))
        return (await self.session.execute(query.limit(1000))).scalars().all()

    async def list(
        self,
        scope_prefix: str,
        *,
        state: str | None,
        risk_code: str | None,
        household_id: uuid.UUID | None,
        within: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Alert]:
        query = select(Alert).where(in_scope(col(Alert.area_code), scope_prefix))
        if state is not None:
            query = query.where(Alert.state == state)
        if risk_code is not None:
            query = query.where(Alert.risk_code == risk_code)
        if household_id is not None:
            query = query.where(Alert.household_id == household_id)
        if within:
            query = query.where(in_scope(col(Alert.area_code), within))
        if after is not None:
            query = query.where(Alert.id > after)
        return (await self.session.execute(query.order_by(col(Alert.id)).limit(limit))).scalars().all()
