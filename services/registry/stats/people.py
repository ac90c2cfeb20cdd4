"""People by health, disability and labour ability, and households with a chronically or seriously
ill member (篇5: "残疾、智障丧失劳动能力64人"; "46户贫困户中有长期慢性病或重大疾病患者").

Health, disability grade and labour ability are kept as they are now (a correction overwrites them; the
registry keeps no dated history of them), so these figures are of today's register, counted from the
rows of the area's living, registered members in one pass, not from the dated rollups.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import AreaLevel, prefix_of
from services.common.calendar import china_today
from services.common.scope import no_area
from services.registry.codes import Health, LabourAbility, Programme
from services.registry.stats.repository import area_named, names_of
from services.registry.stats.schemas import (
    HealthCount,
    IllHouseholds,
    LabourCount,
    PeopleChild,
    PeopleFigures,
)

ILL = ("chronic", "serious")
CHILD_DIGITS = {AreaLevel.province: 4, AreaLevel.city: 6, AreaLevel.county: 9, AreaLevel.town: 12}

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


async def people_figures(session: AsyncSession, area: str) -> PeopleFigures:
    """The figures of ``area`` (the caller's to see; 404 if no such area) as registered today."""
    record = await area_named(session, area)
    if record is None:
        raise no_area(area)
    level = AreaLevel(record.level)
    day = china_today()
    pattern = prefix_of(area) + "%"
    rows = await session.execute(
        text(PEOPLE_SQL), {"pattern": pattern, "child_length": CHILD_DIGITS.get(level, 12), "day": day}
    )
    total: dict[tuple[str, str], int] = defaultdict(int)
    children: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        total[(r.measure, r.key)] += int(r.n)
        children[r.child][(r.measure, r.key)] += int(r.n)
    names = await names_of(session, list(children))
    return PeopleFigures(
        area_code=area,
        as_of=day,
        people=total[("people", "")],
        by_health=[HealthCount(health=h, label=h.label, people=total[("health", h.value)]) for h in Health],
        by_labour_ability=[
            LabourCount(labour_ability=a, label=a.label, people=total[("labour", a.value)])
            for a in LabourAbility
        ],
        labour_ability_unknown=total[("labour", "")],
        by_disability_grade={k: n for (m, k), n in sorted(total.items()) if m == "disability_grade"},
        disabled_unable_to_work=total[("disabled_unable", "")],
        ill_households=IllHouseholds(
            households=total[("ill_households", "")],
            by_programme={p.value: total[("ill_programme", p.value)] for p in Programme},
        ),
        children=[
            PeopleChild(
                area_code=code,
                name=names.get(code),
                people=f[("people", "")],
                unable_to_work=f[("labour", "none")],
                disabled_unable_to_work=f[("disabled_unable", "")],
                ill_households=f[("ill_households", "")],
            )
            for code, f in sorted(children.items())
        ],
    )
