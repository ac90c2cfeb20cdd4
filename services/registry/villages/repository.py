"""SQL of groups, group periods, profiles, and the profile's figures on a day.

The figures (households, people, groups, housing, water, 贫困户/低保/五保 per village) are read from the
registry's rollups (``stats.rollups``: sums of dated deltas kept by triggers), a few rows per village
however many households it has. ``FIGURES_SQL`` counts the same from the raw rows, by the registry's
as-of reference count (``stats.repository.AS_OF_SQL``): a household counts in the village it was in on
the day (moves and merges carry their dates), a person in the household they were in, if registered
and alive. It is what the rollups are checked against (tests) and what the section cost before them
(bench). The housing type and water are as recorded now (the registry keeps no dated history of them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, text, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import Area, AreaMerge, CadreAssignment, Household
from services.registry.stats import rollups as measure
from services.registry.stats.repository import AS_OF_SQL
from services.registry.villages.models import GroupPairing, HouseholdGroup, VillageGroup, VillageProfile

# One pass over the members as of the day: per village, each figure in the rollups' measures and keys.
FIGURES_SQL = (
    AS_OF_SQL  # noqa: S608 - our own constants, no input
    + """,
groups_then AS (
    SELECT g.household_id, g.group_id FROM registry.household_groups AS g
    WHERE g.starts_on <= :day AND (g.ends_on IS NULL OR g.ends_on >= :day)
),
periods_then AS (
    SELECT m.area_code, m.household_id, m.person_id, p.programme, p.person_id AS period_person_id
    FROM members AS m
    JOIN registry.programme_memberships AS p
      ON p.household_id = m.household_id AND p.starts_on <= :day AND (p.ends_on IS NULL OR p.ends_on >= :day)
    WHERE p.programme IN ('escaped', 'monitored', 'dibao', 'tekun')
)
SELECT area_code, 'households' AS measure, '' AS key, count(*) AS n FROM in_area GROUP BY 1
UNION ALL
SELECT area_code, 'people', '', count(person_id) FROM members GROUP BY 1
UNION ALL
SELECT a.area_code, 'groups', '', count(DISTINCT g.group_id)
FROM in_area AS a JOIN groups_then AS g ON g.household_id = a.id GROUP BY 1
UNION ALL
SELECT a.area_code, 'housing', coalesce(h.housing_type, ''), count(*)
FROM in_area AS a JOIN registry.households AS h ON h.id = a.id GROUP BY 1, 3
UNION ALL
SELECT a.area_code, 'water_unsafe', '', count(*)
FROM in_area AS a JOIN registry.households AS h ON h.id = a.id WHERE h.drinking_water = 'unsafe' GROUP BY 1
UNION ALL
SELECT area_code, 'programme_households', programme, count(DISTINCT household_id)
FROM periods_then WHERE programme IN ('dibao', 'tekun') GROUP BY 1, 3
UNION ALL
SELECT area_code, 'programme_people', programme,
       count(DISTINCT person_id) FILTER (WHERE period_person_id IS NULL OR period_person_id = person_id)
FROM periods_then WHERE programme IN ('dibao', 'tekun') GROUP BY 1, 3
UNION ALL
SELECT area_code, 'poor_households', '', count(DISTINCT household_id)
FROM periods_then WHERE programme IN ('escaped', 'monitored') GROUP BY 1
UNION ALL
SELECT area_code, 'poor_people', '',
       count(DISTINCT person_id) FILTER (WHERE period_person_id IS NULL OR period_person_id = person_id)
FROM periods_then WHERE programme IN ('escaped', 'monitored') GROUP BY 1
"""
)
# The same figures from the rollups: each village's deltas up to the day (an index-only scan).
ROLLED_UP_SQL = """
SELECT area_code, measure, key, sum(delta) AS n FROM registry.rollup_totals
WHERE area_code = ANY(:codes) AND day <= :day AND measure = ANY(:measures)
GROUP BY 1, 2, 3
"""
PROFILE_MEASURES = [
    measure.HOUSEHOLDS,
    measure.PEOPLE,
    measure.GROUPS,
    measure.HOUSING,
    measure.WATER_UNSAFE,
    measure.POOR_HOUSEHOLDS,
    measure.POOR_PEOPLE,
    measure.PROGRAMME_HOUSEHOLDS,
    measure.PROGRAMME_PEOPLE,
]
# Households and people per group on the day.
GROUP_COUNTS_SQL = (
    AS_OF_SQL  # noqa: S608 - our own constants, no input
    + """
SELECT g.group_id, count(DISTINCT g.household_id) AS households, count(m.person_id) AS people
FROM registry.household_groups AS g
JOIN in_area AS a ON a.id = g.household_id
LEFT JOIN members AS m ON m.household_id = g.household_id
WHERE g.starts_on <= :day AND (g.ends_on IS NULL OR g.ends_on >= :day)
GROUP BY g.group_id
"""
)

Counted = dict[str, dict[tuple[str, str], int]]  # village -> (measure, key) -> count (none: 0)


class VillageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def village(self, code: str, scope_prefix: str) -> Area | None:
        query = select(Area).where(
            col(Area.code) == code, col(Area.level) == "village", in_scope(col(Area.code), scope_prefix)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def villages_within(self, prefix: str) -> list[str]:
        """The codes of the villages in the area (not merged away), in order."""
        query = select(col(Area.code)).where(
            in_scope(col(Area.code), prefix),
            col(Area.level) == "village",
            col(Area.merged_into_code).is_(None),
        )
        return list((await self.session.execute(query.order_by(Area.code))).scalars().all())

    # Groups
    async def group(
        self, group_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> VillageGroup | None:
        query = select(VillageGroup).where(
            VillageGroup.id == group_id, in_scope(col(VillageGroup.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def group_numbered(self, village: str, number: int) -> VillageGroup | None:
        query = select(VillageGroup).where(VillageGroup.area_code == village, VillageGroup.number == number)
        return (await self.session.execute(query.limit(1))).scalars().first()

    async def groups(
        self, village: str, after: tuple[int, uuid.UUID] | None, limit: int
    ) -> Sequence[VillageGroup]:
        query = select(VillageGroup).where(VillageGroup.area_code == village)
        if after is not None:
            query = query.where(
                (col(VillageGroup.number) > after[0])
                | ((col(VillageGroup.number) == after[0]) & (col(VillageGroup.id) > after[1]))
            )
        query = query.order_by(col(VillageGroup.number), col(VillageGroup.id)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def group_counts(self, village: str, day: date) -> dict[uuid.UUID, tuple[int, int]]:
        rows = await self.session.execute(text(GROUP_COUNTS_SQL), {"pattern": village, "day": day})
        return {r.group_id: (r.households, r.people) for r in rows}

    async def move_groups(self, sources: list[str], target: str) -> None:
        """A merge: the merged villages' groups are the new village's groups."""
        for table in (HouseholdGroup, GroupPairing):
            await self.session.execute(
                update(table).where(col(table.area_code).in_(sources)).values(area_code=target)
            )
        await self.session.execute(  # the phones learn the groups' new village
            update(VillageGroup)
            .where(col(VillageGroup.area_code).in_(sources))
            .values(area_code=target, version=VillageGroup.version + 1, updated_at=func.now())
        )

    async def open_period(self, household_id: uuid.UUID) -> HouseholdGroup | None:
        query = select(HouseholdGroup).where(
            HouseholdGroup.household_id == household_id, col(HouseholdGroup.ends_on).is_(None)
        )
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def periods(self, household_id: uuid.UUID) -> Sequence[HouseholdGroup]:
        query = select(HouseholdGroup).where(HouseholdGroup.household_id == household_id)
        return (await self.session.execute(query.order_by(col(HouseholdGroup.starts_on)))).scalars().all()

    async def households_in(self, group_id: uuid.UUID) -> list[uuid.UUID]:
        query = (
            select(col(HouseholdGroup.household_id))
            .join(Household, col(Household.id) == HouseholdGroup.household_id)
            .where(
                HouseholdGroup.group_id == group_id,
                col(HouseholdGroup.ends_on).is_(None),
                col(Household.deleted_at).is_(None),
            )
        )
        return list((await self.session.execute(query)).scalars().all())

    # Group pairings
    async def open_pairings_of(self, group_id: uuid.UUID) -> Sequence[GroupPairing]:
        query = select(GroupPairing).where(
            GroupPairing.group_id == group_id, col(GroupPairing.ends_on).is_(None)
        )
        return (await self.session.execute(query)).scalars().all()

    async def group_pairing(self, pairing_id: uuid.UUID, scope_prefix: str) -> GroupPairing | None:
        query = select(GroupPairing).where(
            GroupPairing.id == pairing_id, in_scope(col(GroupPairing.area_code), scope_prefix)
        )
        return (await self.session.execute(query.with_for_update())).scalar_one_or_none()

    async def open_group_pairing(self, cadre_id: uuid.UUID, group_id: uuid.UUID) -> GroupPairing | None:
        query = select(GroupPairing).where(
            GroupPairing.cadre_id == cadre_id,
            GroupPairing.group_id == group_id,
            col(GroupPairing.ends_on).is_(None),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def covered(self, pairing_id: uuid.UUID) -> int:
        query = select(CadreAssignment).where(
            CadreAssignment.group_pairing_id == pairing_id, col(CadreAssignment.ends_on).is_(None)
        )
        return len((await self.session.execute(query)).scalars().all())

    async def open_assignments(
        self, *, pairing_id: uuid.UUID | None = None, household_id: uuid.UUID | None = None
    ) -> Sequence[CadreAssignment]:
        query = select(CadreAssignment).where(
            col(CadreAssignment.group_pairing_id).is_not(None), col(CadreAssignment.ends_on).is_(None)
        )
        if pairing_id is not None:
            query = query.where(CadreAssignment.group_pairing_id == pairing_id)
        if household_id is not None:
            query = query.where(CadreAssignment.household_id == household_id)
        return (await self.session.execute(query.with_for_update())).scalars().all()

    async def paired(self, cadre_id: uuid.UUID, household_id: uuid.UUID) -> bool:
        query = select(CadreAssignment.id).where(
            CadreAssignment.cadre_id == cadre_id,
            CadreAssignment.household_id == household_id,
            col(CadreAssignment.ends_on).is_(None),
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    # Profiles
    async def profiles(self, village: str, year: int) -> Sequence[VillageProfile]:
        query = select(VillageProfile).where(VillageProfile.area_code == village, VillageProfile.year == year)
        return (await self.session.execute(query.order_by(col(VillageProfile.valid_from)))).scalars().all()

    async def latest_profile(self, village: str, year: int, *, lock: bool = False) -> VillageProfile | None:
        """The village's profile for ``year`` (its latest part), else of the latest year before it."""
        query = (
            select(VillageProfile)
            .where(VillageProfile.area_code == village, VillageProfile.year <= year)
            .order_by(col(VillageProfile.year).desc(), col(VillageProfile.valid_from).desc())
            .limit(1)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def profiles_of(self, villages: list[str], year: int, day: date) -> dict[str, VillageProfile]:
        """Each village's profile for ``year`` — or, when none was typed for it, for the latest year
        before (land and roads change slowly) — the part in force on ``day`` (or that year's first)."""
        rows = await self.session.execute(
            select(VillageProfile)
            .where(col(VillageProfile.area_code).in_(villages), VillageProfile.year <= year)
            .order_by(col(VillageProfile.year), col(VillageProfile.valid_from))
        )
        chosen: dict[str, VillageProfile] = {}
        for profile in rows.scalars().all():
            held = chosen.get(profile.area_code)
            if held is None or profile.year > held.year or profile.valid_from <= day:
                chosen[profile.area_code] = profile
        return chosen

    async def merged_into(self, village: str, day: date) -> list[str]:
        query = select(AreaMerge).where(AreaMerge.target_code == village, AreaMerge.effective_on <= day)
        return sorted(c for m in (await self.session.execute(query)).scalars().all() for c in m.source_codes)

    async def counted(self, villages: list[str], day: date) -> Counted:
        """Each village's figures on ``day``, from the rollups."""
        params = {"codes": villages, "day": day, "measures": PROFILE_MEASURES}
        return _by_village(await self.session.execute(text(ROLLED_UP_SQL), params))

    async def recounted(self, pattern: str, day: date) -> Counted:
        """The same figures of the villages whose codes match ``pattern``, from the raw rows."""
        return _by_village(await self.session.execute(text(FIGURES_SQL), {"pattern": pattern, "day": day}))

    async def changed_villages(self, scope_prefix: str, since: datetime | None) -> list[str]:
        """Villages in scope (not merged away) whose groups or profile changed since ``since``
        (every one when None): what the phones' sync feed sends again."""
        query = select(col(Area.code)).where(
            in_scope(col(Area.code), scope_prefix),
            col(Area.level) == "village",
            col(Area.merged_into_code).is_(None),
        )
        if since is not None:
            changed = [
                select(col(table.area_code)).where(col(table.updated_at) >= since)
                for table in (VillageGroup, VillageProfile)
            ]
            query = query.where(col(Area.code).in_(union(*changed)))
        return list((await self.session.execute(query.order_by(col(Area.code)))).scalars().all())

    async def groups_of(self, villages: list[str]) -> Sequence[VillageGroup]:
        query = select(VillageGroup).where(col(VillageGroup.area_code).in_(villages))
        return (
            (
                await self.session.execute(
                    query.order_by(col(VillageGroup.area_code), col(VillageGroup.number))
                )
            )
            .scalars()
            .all()
        )


def _by_village(rows: Iterable[Any]) -> Counted:
    grouped: Counted = {}
    for area_code, measure_name, key, n in rows:  # unpacked: a county's thousands of rows
        if n:
            grouped.setdefault(area_code, {})[(measure_name, key)] = int(n)
    return grouped
