"""Which paired cadres have not visited their households within the interval, counted by cadre,
village and town. Pairings come from the registry (in the caller's scope); visits are inspections
that name the cadre."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import CHINA
from services.monitoring.models import Inspection
from services.monitoring.thresholds.repository import ThresholdRepository
from services.monitoring.visits.schemas import ComplianceCount, OverdueVisit, VisitCompliance

DEFAULT_INTERVAL_DAYS = 90  # quarterly (篇1), when no thresholds apply


async def last_visits(
    session: AsyncSession, households: Sequence[uuid.UUID], as_of: date
) -> dict[tuple[uuid.UUID, uuid.UUID], datetime]:
    """The latest visit up to ``as_of`` per (household, cadre)."""
    found: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), CHINA)
    for start in range(0, len(households), 5000):  # bounded IN lists
        rows = await session.execute(
            select(
                Inspection.household_id, Inspection.cadre_id, func.max(Inspection.visited_at).label("last")
            )
            .where(
                Inspection.household_id.in_(households[start : start + 5000]),  # type: ignore[attr-defined]
                Inspection.cadre_id.is_not(None),  # type: ignore[union-attr]
                Inspection.visited_at < end,
            )
            .group_by(Inspection.household_id, Inspection.cadre_id)
        )
        found.update({(r.household_id, r.cadre_id): r.last for r in rows})
    return found


async def compliance(
    session: AsyncSession, pairings: list[dict[str, Any]], as_of: date, limit: int
) -> VisitCompliance:
    households = sorted({uuid.UUID(p["household_id"]) for p in pairings})
    last = await last_visits(session, households, as_of)
    thresholds = ThresholdRepository(session)
    intervals: dict[str, int] = {}
    overdue: list[OverdueVisit] = []
    tallies: dict[str, dict[str, list[int]]] = {"cadre": {}, "village": {}, "town": {}}
    names: dict[str, str] = {}
    for p in pairings:
        area, cadre, household = p["area_code"], uuid.UUID(p["cadre_id"]), uuid.UUID(p["household_id"])
        if area not in intervals:
            row = await thresholds.in_force(area, as_of.year)
            intervals[area] = row.visit_interval_days if row else DEFAULT_INTERVAL_DAYS
        seen = last.get((household, cadre))
        since = seen.astimezone(CHINA).date() if seen else date.fromisoformat(p["starts_on"])
        due_on = since + timedelta(days=intervals[area])
        late = due_on < as_of
        names[str(cadre)] = p["cadre_name"]
        for kind, key in (("cadre", str(cadre)), ("village", area), ("town", area[:9] + "000")):
            tally = tallies[kind].setdefault(key, [0, 0])
            tally[0] += 1
            tally[1] += late
        if late:
            overdue.append(
                OverdueVisit(
                    cadre_id=cadre,
                    cadre_name=p["cadre_name"],
                    household_id=household,
                    area_code=area,
                    last_visit_at=seen,
                    due_on=due_on,
                    days_overdue=(as_of - due_on).days,
                    interval_days=intervals[area],
                )
            )
    overdue.sort(key=lambda o: (-o.days_overdue, o.area_code, str(o.cadre_id)))

    def counts(kind: str) -> list[ComplianceCount]:
        return [
            ComplianceCount(
                key=key, name=names.get(key) if kind == "cadre" else None, pairings=n, overdue=late
            )
            for key, (n, late) in sorted(tallies[kind].items(), key=lambda kv: (-kv[1][1], kv[0]))
        ]

    return VisitCompliance(
        as_of=as_of,
        pairings=len(pairings),
        overdue=len(overdue),
        by_cadre=counts("cadre"),
        by_village=counts("village"),
        by_town=counts("town"),
        items=overdue[:limit],
    )
