"""SQL of visit compliance: monitoring's own copy of the pairings (kept from the registry's events)
against the paired cadres' visits, judged in the database however many pairings a county has."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import china_day_end
from services.monitoring.stats.rollups import CHINA_DAY

DEFAULT_INTERVAL_DAYS = 90  # quarterly (篇1), when no thresholds apply


def interval_in_force(area: str, year: str) -> str:
    """SQL: the visit interval for a village and a year, as ``thresholds.repository.in_force`` finds
    the thresholds (the most specific area's latest version), else the default. ``area`` and ``year``
    are SQL expressions."""
    return f"""COALESCE((
        SELECT t.visit_interval_days FROM monitoring.thresholds AS t
        WHERE t.year = {year}
          AND t.area_code IN (SELECT x.area_code FROM monitoring.rollup_ancestors({area}) AS x
                              UNION ALL SELECT '000000000000')
        ORDER BY t.area_code DESC, t.version DESC LIMIT 1), {DEFAULT_INTERVAL_DAYS})"""  # noqa: S608


# Each pairing in force on :day in the area (its household not deleted), with the paired cadre's last
# visit up to the end of that day (one made before the pairing counts too) and the day the next visit
# was due: the interval after that visit, or after the pairing's start if there was none.
CHECKED = f"""
WITH pairs AS MATERIALIZED (
    SELECT p.cadre_id, p.household_id, p.area_code, p.starts_on FROM monitoring.pairings AS p
    WHERE p.area_code LIKE :scope AND p.area_code LIKE :within AND NOT p.household_deleted
      AND p.starts_on <= :day AND (p.ends_on IS NULL OR p.ends_on >= :day)
),
intervals AS MATERIALIZED (  -- once per village, not per pairing
    SELECT a.area_code, {interval_in_force("a.area_code", ":year")} AS days
    FROM (SELECT DISTINCT area_code FROM pairs) AS a
),
checked AS MATERIALIZED (
    SELECT p.cadre_id, p.household_id, p.area_code, v.last AS last_visit_at, i.days,
           COALESCE({CHINA_DAY.format("v.last")}, p.starts_on) + i.days AS due_on
    FROM pairs AS p JOIN intervals AS i ON i.area_code = p.area_code
    LEFT JOIN LATERAL (
        SELECT max(s.visited_at) AS last FROM monitoring.inspections AS s
        WHERE s.household_id = p.household_id AND s.cadre_id = p.cadre_id AND s.visited_at < :day_end
    ) AS v ON true
)
"""  # noqa: S608 - our own constants

# Both answers from one pass over the pairings: the counts by cadre, village and town and in all
# (GROUPING SETS), then the most overdue pairings, told apart by ``kind`` and ranked by ``place``.
COMPLIANCE_SQL = f"""{CHECKED},
tallies AS (
    SELECT CASE WHEN GROUPING(c.cadre_id) = 0 THEN 'cadre' WHEN GROUPING(c.area_code) = 0 THEN 'village'
                WHEN GROUPING(c.town) = 0 THEN 'town' ELSE 'all' END AS kind,
           COALESCE(c.cadre_id::text, c.area_code, c.town, '') AS key,
           count(*) AS pairings, count(*) FILTER (WHERE c.due_on < :day) AS overdue
    FROM (SELECT *, left(area_code, 9) || '000' AS town FROM checked) AS c
    GROUP BY GROUPING SETS ((c.cadre_id), (c.area_code), (c.town), ())
),
worst AS (
    SELECT *, :day - due_on AS days_overdue FROM checked WHERE due_on < :day
    ORDER BY days_overdue DESC, area_code, cadre_id, household_id LIMIT :limit
)
SELECT kind, key, pairings, overdue, NULL::bigint AS place, NULL::uuid AS cadre_id,
       NULL::uuid AS household_id, NULL::varchar AS area_code, NULL::timestamptz AS last_visit_at,
       NULL::date AS due_on, NULL::integer AS interval_days, NULL::integer AS days_overdue
FROM tallies
UNION ALL
SELECT 'overdue', NULL, NULL, NULL,
       row_number() OVER (ORDER BY days_overdue DESC, area_code, cadre_id, household_id),
       cadre_id, household_id, area_code, last_visit_at, due_on, days, days_overdue
FROM worst
"""  # noqa: S608


@dataclass(frozen=True)
class Tally:
    kind: str  # cadre, village, town, or all
    key: str
    pairings: int
    overdue: int


@dataclass(frozen=True)
class Overdue:
    cadre_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    last_visit_at: datetime | None
    due_on: date
    interval_days: int
    days_overdue: int


class VisitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _params(self, scope_prefix: str, within: str | None, day: date) -> dict[str, object]:
        return {
            "scope": f"{scope_prefix}%",
            "within": f"{within or ''}%",
            "day": day,
            "year": day.year,
            "day_end": china_day_end(day),
        }

    async def compliance(
        self, scope_prefix: str, within: str | None, day: date, limit: int
    ) -> tuple[list[Tally], list[Overdue]]:
        """Pairings and overdue ones by cadre, village and town and in all; the ``limit`` most
        overdue pairings, the most overdue first."""
        params = self._params(scope_prefix, within, day) | {"limit": limit}
        tallies, overdue = [], []
        for r in await self.session.execute(text(COMPLIANCE_SQL), params):
            if r.kind != "overdue":
                tallies.append(Tally(r.kind, r.key, r.pairings, r.overdue))
            else:
                overdue.append((r.place, Overdue(*r[5:])))
        return tallies, [o for _, o in sorted(overdue, key=lambda placed: placed[0])]
