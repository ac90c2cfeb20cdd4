"""Counts of households and people "as of" a date, from registrations, moves, deaths and periods.

A household counts in the village it belonged to on that date (moves and village merges carry their
effective dates); a person counts in the household they belonged to then, if registered and alive.
Records deleted as registration mistakes never count.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

AS_OF_SQL = """
WITH households_then AS MATERIALIZED (
    SELECT h.id, COALESCE(
        (SELECT m.from_area_code FROM registry.household_moves m
          WHERE m.household_id = h.id AND m.effective_on > :day ORDER BY m.effective_on, m.id LIMIT 1),
        h.area_code) AS area_code
    FROM registry.households h
    WHERE h.deleted_at IS NULL AND h.registered_on <= :day
      AND h.id IN (SELECT id FROM registry.households WHERE area_code LIKE :pattern
                   UNION SELECT household_id FROM registry.household_moves WHERE from_area_code LIKE :pattern)
),
in_area AS MATERIALIZED (SELECT id, area_code FROM households_then WHERE area_code LIKE :pattern),
-- A person was in one of these households then if it is theirs now or one they moved out of since.
candidates AS (
    SELECT p.id FROM registry.people p JOIN in_area h ON p.household_id = h.id
    UNION
    SELECT pm.person_id FROM registry.person_moves pm JOIN in_area h ON pm.from_household_id = h.id
),
people_then AS MATERIALIZED (
    SELECT p.id, COALESCE(
        (SELECT pm.from_household_id FROM registry.person_moves pm
          WHERE pm.person_id = p.id AND pm.effective_on > :day ORDER BY pm.effective_on, pm.id LIMIT 1),
        p.household_id) AS household_id
    FROM registry.people p JOIN candidates c ON c.id = p.id
    WHERE p.deleted_at IS NULL AND p.registered_on <= :day AND (p.deceased_on IS NULL OR p.deceased_on > :day)
),
members AS (
    SELECT h.id AS household_id, h.area_code, pt.id AS person_id
    FROM in_area h LEFT JOIN people_then pt ON pt.household_id = h.id
)
"""

BY_CHILD_SQL = (
    AS_OF_SQL
    + """
SELECT rpad(substr(area_code, 1, :child_length), 12, '0') AS child,
       count(DISTINCT household_id) AS households, count(person_id) AS people
FROM members GROUP BY child ORDER BY child
"""
)

BY_PROGRAMME_SQL = (
    AS_OF_SQL
    + """
SELECT pm.programme, count(DISTINCT m.household_id) AS households,
       count(DISTINCT m.person_id) FILTER (WHERE pm.person_id IS NULL OR pm.person_id = m.person_id) AS people
FROM members m
JOIN registry.programme_memberships pm
  ON pm.household_id = m.household_id AND pm.starts_on <= :day AND (pm.ends_on IS NULL OR pm.ends_on >= :day)
GROUP BY pm.programme ORDER BY pm.programme
"""
)


async def counts_by_child(
    session: AsyncSession, prefix: str, child_length: int, day: date
) -> list[tuple[str, int, int]]:
    rows = await session.execute(
        text(BY_CHILD_SQL), {"pattern": prefix + "%", "child_length": child_length, "day": day}
    )
    return [(r.child, r.households, r.people) for r in rows]


async def counts_by_programme(session: AsyncSession, prefix: str, day: date) -> list[tuple[str, int, int]]:
    rows = await session.execute(text(BY_PROGRAMME_SQL), {"pattern": prefix + "%", "day": day})
    return [(r.programme, r.households, r.people) for r in rows]
