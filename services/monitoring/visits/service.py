"""Which paired cadres have not visited their households within the interval, counted by cadre,
village and town. Visits are inspections that name the cadre.

``compliance`` answers from monitoring's own copy of the pairings (``visits.pairings``, kept from the
registry's events), judged in SQL (``visits.repository``). ``check_pairings`` and
``recounted_compliance`` judge pairings as the registry answers them, in Python: the reference the
rollups and the SQL are tested against."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.calendar import CHINA, china_day_end
from services.monitoring.models import Inspection
from services.monitoring.thresholds.repository import ThresholdRepository
from services.monitoring.visits.repository import DEFAULT_INTERVAL_DAYS, Tally, VisitRepository
from services.monitoring.visits.schemas import ComplianceCount, OverdueVisit, VisitCompliance

Named = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, str]]]  # cadre ids → names


@dataclass(frozen=True)
class PairingCheck:
    """One pairing judged on a day: when the cadre last visited, when the next visit was due."""

    cadre_id: uuid.UUID
    cadre_name: str
    household_id: uuid.UUID
    area_code: str
    last_visit_at: datetime | None
    due_on: date
    interval_days: int
    late: bool

    @property
    def visited(self) -> bool:
        """Visited within the interval (a pairing never visited yet may still be within its first one)."""
        return self.last_visit_at is not None and not self.late


async def last_visits(
    session: AsyncSession, households: Sequence[uuid.UUID], as_of: date
) -> dict[tuple[uuid.UUID, uuid.UUID], datetime]:
    """The latest visit up to ``as_of`` per (household, cadre)."""
    found: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    end = china_day_end(as_of)
    for start in range(0, len(households), 5000):  # bounded IN lists
        rows = await session.execute(
            select(
                Inspection.household_id, Inspection.cadre_id, func.max(Inspection.visited_at).label("last")
            )
            .where(
                col(Inspection.household_id).in_(households[start : start + 5000]),
                col(Inspection.cadre_id).is_not(None),
                Inspection.visited_at < end,
            )
            .group_by(col(Inspection.household_id), col(Inspection.cadre_id))
        )
        found.update({(r.household_id, r.cadre_id): r.last for r in rows})
    return found


async def check_pairings(
    session: AsyncSession, pairings: list[dict[str, Any]], as_of: date
) -> list[PairingCheck]:
    """Each pairing (as the registry answers it) against the visit interval in force for its village."""
    households = sorted({uuid.UUID(p["household_id"]) for p in pairings})
    last = await last_visits(session, households, as_of)
    in_force = await ThresholdRepository(session).in_force_for({p["area_code"] for p in pairings}, as_of.year)
    intervals = {
        area: row.visit_interval_days if row else DEFAULT_INTERVAL_DAYS for area, row in in_force.items()
    }
    checks = []
    for p in pairings:
        area, cadre, household = p["area_code"], uuid.UUID(p["cadre_id"]), uuid.UUID(p["household_id"])
        seen = last.get((household, cadre))
        since = seen.astimezone(CHINA).date() if seen else date.fromisoformat(p["starts_on"])
        due_on = since + timedelta(days=intervals[area])
        checks.append(
            PairingCheck(
                cadre_id=cadre,
                cadre_name=p["cadre_name"],
                household_id=household,
                area_code=area,
                last_visit_at=seen,
                due_on=due_on,
                interval_days=intervals[area],
                late=due_on < as_of,
            )
        )
    return checks


async def compliance(
    session: AsyncSession, named: Named, scope_prefix: str, within: str | None, as_of: date, limit: int
) -> VisitCompliance:
    tallies, overdue = await VisitRepository(session).compliance(scope_prefix, within, as_of, limit)
    cadres = {uuid.UUID(t.key) for t in tallies if t.kind == "cadre"}
    names = await named(sorted(cadres))
    total = next(t for t in tallies if t.kind == "all")
    items = [OverdueVisit(cadre_name=names.get(o.cadre_id, str(o.cadre_id)), **vars(o)) for o in overdue]
    return _answer(
        as_of, total.pairings, total.overdue, tallies, {str(k): v for k, v in names.items()}, items
    )


async def recounted_compliance(
    session: AsyncSession, pairings: list[dict[str, Any]], as_of: date, limit: int
) -> VisitCompliance:
    """``compliance`` from the registry's pairings, in Python (the reference)."""
    overdue: list[OverdueVisit] = []
    counts: dict[tuple[str, str], list[int]] = {}
    names: dict[str, str] = {}
    for check in await check_pairings(session, pairings, as_of):
        area, cadre = check.area_code, check.cadre_id
        names[str(cadre)] = check.cadre_name
        for kind, key in (("cadre", str(cadre)), ("village", area), ("town", area[:9] + "000")):
            tally = counts.setdefault((kind, key), [0, 0])
            tally[0] += 1
            tally[1] += check.late
        if check.late:
            overdue.append(
                OverdueVisit(
                    cadre_id=cadre,
                    cadre_name=check.cadre_name,
                    household_id=check.household_id,
                    area_code=area,
                    last_visit_at=check.last_visit_at,
                    due_on=check.due_on,
                    days_overdue=(as_of - check.due_on).days,
                    interval_days=check.interval_days,
                )
            )
    overdue.sort(key=lambda o: (-o.days_overdue, o.area_code, str(o.cadre_id), str(o.household_id)))
    tallies = [Tally(kind, key, n, late) for (kind, key), (n, late) in counts.items()]
    return _answer(as_of, len(pairings), len(overdue), tallies, names, overdue[:limit])


def _answer(
    as_of: date,
    pairings: int,
    overdue: int,
    tallies: list[Tally],
    cadre_names: dict[str, str],
    items: list[OverdueVisit],
) -> VisitCompliance:
    def counts(kind: str) -> list[ComplianceCount]:
        return [
            ComplianceCount(
                key=t.key,
                name=cadre_names.get(t.key, t.key) if kind == "cadre" else None,
                pairings=t.pairings,
                overdue=t.overdue,
            )
            for t in sorted((t for t in tallies if t.kind == kind), key=lambda t: (-t.overdue, t.key))
        ]

    return VisitCompliance(
        as_of=as_of,
        pairings=pairings,
        overdue=overdue,
        by_cadre=counts("cadre"),
        by_village=counts("village"),
        by_town=counts("town"),
        items=items,
    )
