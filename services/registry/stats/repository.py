"""Counts of households and people "as of" a date, from registrations, moves, deaths and periods.

A household counts in the village it belonged to on that date (moves and village merges carry their
effective dates); a person counts in the household they belonged to then, if registered and alive.
Records deleted as registration mistakes never count. This is the reference recount the rollups are
checked against, and what a report would cost without them.

Where something was on the day is where its first move *after* the day took it from, or where it is
now if it has not moved since: two disjoint branches (no move since / moved since), each a plain
scan or join, rather than a lookup of the moves per household and per person.

The statistics also look up here the area asked for and the names of the areas below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.registry.models import Area

AS_OF_SQL = """
WITH household_moved_since AS MATERIALIZED (
    SELECT DISTINCT ON (household_id) household_id, from_area_code
    FROM registry.household_moves WHERE effective_on > :day
    ORDER BY household_id, effective_on, id
),
in_area AS (
    SELECT h.id, h.area_code FROM registry.households AS h
    WHERE h.area_code LIKE :pattern AND h.deleted_at IS NULL AND h.registered_on <= :day
      AND NOT EXISTS (SELECT 1 FROM household_moved_since AS m WHERE m.household_id = h.id)
    UNION ALL
    SELECT h.id, m.from_area_code FROM household_moved_since AS m
    JOIN registry.households AS h ON h.id = m.household_id
    WHERE m.from_area_code LIKE :pattern AND h.deleted_at IS NULL AND h.registered_on <= :day
),
person_moved_since AS MATERIALIZED (
    SELECT DISTINCT ON (person_id) person_id, from_household_id
    FROM registry.person_moves WHERE effective_on > :day
    ORDER BY person_id, effective_on, id
),
-- Every household then, with each person in it then (none: one row without a person). People are
-- joined straight from their table, whose statistics give the planner the size of the join.
members AS (
    SELECT h.id AS household_id, h.area_code, p.id AS person_id
    FROM in_area AS h LEFT JOIN registry.people AS p
      ON p.household_id = h.id AND p.deleted_at IS NULL AND p.registered_on <= :day
     AND (p.deceased_on IS NULL OR p.deceased_on > :day)
     AND NOT EXISTS (SELECT 1 FROM person_moved_since AS pm WHERE pm.person_id = p.id)
    UNION ALL
    SELECT h.id, h.area_code, p.id
    FROM person_moved_since AS pm JOIN in_area AS h ON h.id = pm.from_household_id
    JOIN registry.people AS p ON p.id = pm.person_id
    WHERE p.deleted_at IS NULL AND p.registered_on <= :day AND (p.deceased_on IS NULL OR p.deceased_on > :day)
)
"""

# Both groupings from one pass over the members: by child area, and by programme on that day.
COUNTS_SQL = (
    AS_OF_SQL  # noqa: S608 - our own constants, no input
    + """
SELECT 'child' AS grouping, child AS key, sum(households)::bigint AS households, sum(people)::bigint AS people
FROM (  -- households from their own rows, people from theirs: no DISTINCT over every person
    SELECT rpad(substr(area_code, 1, :child_length), 12, '0') AS child, count(*) AS households, 0 AS people
    FROM in_area GROUP BY 1
    UNION ALL
    SELECT rpad(substr(area_code, 1, :child_length), 12, '0'), 0, count(person_id) FROM members GROUP BY 1
) AS counted
GROUP BY child
UNION ALL
SELECT 'programme', g.programme, count(DISTINCT m.household_id),
       count(DISTINCT m.person_id) FILTER (WHERE g.person_id IS NULL OR g.person_id = m.person_id)
FROM members AS m
JOIN registry.programme_memberships AS g
  ON g.household_id = m.household_id AND g.starts_on <= :day AND (g.ends_on IS NULL OR g.ends_on >= :day)
GROUP BY 2
ORDER BY 1, 2
"""
)

Counts = list[tuple[str, int, int]]  # (area code or programme, households, people)


@dataclass(frozen=True)
class AsOfCounts:
    children: Counts  # per area one level below (``child_length`` digits of the code)
    programmes: Counts


async def as_of_counts(session: AsyncSession, prefix: str, child_length: int, day: date) -> AsOfCounts:
    rows = await session.execute(
        text(COUNTS_SQL), {"pattern": prefix + "%", "child_length": child_length, "day": day}
    )
    grouped: dict[str, Counts] = {"child": [], "programme": []}
    for r in rows:
        grouped[r.grouping].append((r.key, r.households, r.people))
    return AsOfCounts(grouped["child"], grouped["programme"])


async def area_named(session: AsyncSession, code: str) -> Area | None:
    """The area ``code`` (the caller's scope is checked before: a statistic's area is in it)."""
    return (await session.execute(select(Area).where(col(Area.code) == code))).scalar_one_or_none()


async def names_of(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    """The names of the areas ``codes`` (the children of an area in scope)."""
    query = select(col(Area.code), col(Area.name)).where(col(Area.code).in_(codes))
    return dict((await session.execute(query)).all())


# People by health, disability and labour ability, and households with a chronically or seriously ill
# member (by programme), as registered on ``day``, per area one level down (``stats.service.people_figures``).
PEOPLE_SQL = """
WITH p AS MATERIALIZED (
    SELECT p.household_id, p.health, p.disability_grade, p.labour_ability,
           rpad(substr(h.area_code, 1, :child_length), 12, '0') AS child
    FROM registry.households AS h
    JOIN registry.people AS p ON p.household_id = h.id
    WHERE h.area_code LIKE :pattern AND h.deleted_at IS NULL AND h.registered_on <= :day
      AND p.deleted_at IS NULL AND p.registered_on <= :day AND (p.deceased_on IS NULL OR p.deceased_on > :day)
),
ill AS (SELECT DISTINCT household_id, child FROM p WHERE health IN ('chronic', 'serious'))
SELECT child, 'people' AS measure, '' AS key, count(*) AS n FROM p GROUP BY 1
UNION ALL SELECT child, 'health', health, count(*) FROM p GROUP BY 1, 3
UNION ALL SELECT child, 'labour', COALESCE(labour_ability, ''), count(*) FROM p GROUP BY 1, 3
UNION ALL SELECT child, 'disability_grade', disability_grade::text, count(*) FROM p
    WHERE disability_grade IS NOT NULL GROUP BY 1, 3
UNION ALL SELECT child, 'disabled_unable', '', count(*) FROM p
    WHERE health = 'disabled' AND labour_ability = 'none' GROUP BY 1
UNION ALL SELECT child, 'ill_households', '', count(*) FROM ill GROUP BY 1
UNION ALL SELECT i.child, 'ill_programme', g.programme, count(DISTINCT i.household_id)
    FROM ill AS i JOIN registry.programme_memberships AS g ON g.household_id = i.household_id
     AND g.starts_on <= :day AND (g.ends_on IS NULL OR g.ends_on >= :day)
    GROUP BY 1, 3
"""


async def people_counts(session: AsyncSession, prefix: str, child_length: int, day: date) -> list[Any]:
    """Rows of (child, measure, key, n): measures people, health, labour, disability_grade,
    disabled_unable, ill_households, ill_programme."""
    params = {"pattern": prefix + "%", "child_length": child_length, "day": day}
    return list(await session.execute(text(PEOPLE_SQL), params))
