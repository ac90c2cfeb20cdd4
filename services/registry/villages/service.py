"""The village profile (村情): the typed part per year, edited with ``base_version``, and the figures
counted from the registry as of a day (read from its rollups), never typed. Parts need not add up
(篇5's houses: 33 + 46 + 118 = 197 of 216 households): a housing type not recorded is counted as such.

A merge starts a new part of the target's profile on its date that combines the villages' typed
figures (篇5: 黄金村 1,650亩 + 龙泉村 1,970亩 = 3,620亩); before that date the profile is the old one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Principal
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.registry.codes import HousingType, Programme
from services.registry.models import Area
from services.registry.stats import rollups as measure
from services.registry.villages.models import VillageProfile
from services.registry.villages.repository import VillageRepository
from services.registry.villages.schemas import (
    HousingCounts,
    ProfileFigures,
    ProfileRead,
    ProfileRow,
    ProfileStats,
    ProfileWrite,
    ProgrammeCount,
)

NUMBERS = ("arable_mu", "forest_mu", "grain_to_green_mu", "road_hardened_km", "road_dirt_km")
TYPED = (*NUMBERS, "water", "facilities", "note")


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# A report row's counts (one per village: 300 in a county), each the rollups' (measure, key), read
# straight from the counts rather than through ``figures_of``'s nested models.
ROW_COUNTS = {
    "groups": (measure.GROUPS, ""),
    "households": (measure.HOUSEHOLDS, ""),
    "people": (measure.PEOPLE, ""),
    "housing_brick": (measure.HOUSING, HousingType.brick.value),
    "housing_adobe": (measure.HOUSING, HousingType.adobe.value),
    "housing_bought_in_town": (measure.HOUSING, HousingType.bought_in_town.value),
    "housing_not_recorded": (measure.HOUSING, ""),
    "water_unsafe": (measure.WATER_UNSAFE, ""),
    "poor_households": (measure.POOR_HOUSEHOLDS, ""),
    "poor_people": (measure.POOR_PEOPLE, ""),
    "dibao_households": (measure.PROGRAMME_HOUSEHOLDS, Programme.dibao.value),
    "wubao_households": (measure.PROGRAMME_HOUSEHOLDS, Programme.tekun.value),
}


def figures_of(counted: dict[tuple[str, str], int]) -> ProfileFigures:
    """A village's figures from its counts by (measure, key) (``VillageRepository.counted``)."""

    def count(name: str, key: str = "") -> int:
        return counted.get((name, key), 0)

    def programme(code: Programme) -> ProgrammeCount:
        return ProgrammeCount(
            households=count(measure.PROGRAMME_HOUSEHOLDS, code.value),
            people=count(measure.PROGRAMME_PEOPLE, code.value),
        )

    housing = {t.value: count(measure.HOUSING, t.value) for t in HousingType}
    return ProfileFigures(
        households=count(measure.HOUSEHOLDS),
        people=count(measure.PEOPLE),
        groups=count(measure.GROUPS),
        housing=HousingCounts(**housing, not_recorded=count(measure.HOUSING)),
        water_unsafe=count(measure.WATER_UNSAFE),
        poor=ProgrammeCount(households=count(measure.POOR_HOUSEHOLDS), people=count(measure.POOR_PEOPLE)),
        dibao=programme(Programme.dibao),
        wubao=programme(Programme.tekun),
    )


class ProfileService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = VillageRepository(session)

    async def village(self, code: str, principal: Principal) -> Area:
        village = await self.repository.village(code, principal.scope_prefix)
        if village is None:
            raise NotFound(f"No village {code}", code="area_not_found")
        return village

    async def read(self, code: str, year: int, day: date, principal: Principal) -> ProfileRead:
        village = await self.village(code, principal)
        typed = (await self.repository.profiles_of([code], year, day)).get(code)
        counted = (await self.repository.counted([code], day)).get(code, {})
        values: dict[str, Any] = {name: _float(getattr(typed, name, None)) for name in NUMBERS}
        hardened, dirt = values["road_hardened_km"], values["road_dirt_km"]
        return ProfileRead(
            area_code=code,
            name=village.name,
            year=year,
            as_of=day,
            version=typed.version if typed else None,
            typed_year=typed.year if typed else None,
            valid_from=typed.valid_from if typed else None,
            merged_from=await self.repository.merged_into(code, day),
            **values,
            road_km=round(hardened + dirt, 2) if hardened is not None and dirt is not None else None,
            water=typed.water if typed else None,
            facilities=list(typed.facilities) if typed else [],
            note=typed.note if typed else None,
            figures=figures_of(counted),
        )

    async def write(
        self, code: str, year: int, data: ProfileWrite, principal: Principal
    ) -> tuple[VillageProfile, bool]:
        """Create the year's profile (no base_version) or change its latest part (base_version)."""
        await self.village(code, principal)
        parts = await self.repository.profiles(code, year)
        values = data.model_dump(include=set(TYPED))
        if not parts:
            if data.base_version is not None:
                raise Conflict(
                    f"No profile for {year} yet: send it without base_version", code="stale_version"
                )
            profile = VillageProfile(
                id=new_id(),
                area_code=code,
                year=year,
                valid_from=date(year, 1, 1),
                updated_by=principal.id,
                **values,
            )
            self.session.add(profile)
            await self.session.flush()
            return profile, True
        latest = parts[-1]
        await self.session.refresh(latest, with_for_update=True)
        if data.base_version is None:
            raise ValidationFailed.field(
                ["body", "base_version"], f"The {year} profile exists: send the version you read", "required"
            )
        check_base_version(latest.version, data.base_version, lambda: _typed_json(latest))
        if all(_same(getattr(latest, k), v) for k, v in values.items()):
            return latest, False
        for key, value in values.items():
            setattr(latest, key, value)
        latest.version += 1
        latest.updated_by = principal.id
        latest.updated_at = datetime.now(UTC)
        await self.session.flush()
        return latest, False

    async def stats(self, area: str, day: date) -> ProfileStats:
        prefix = prefix_of(area)
        codes = await self.repository.villages_within(prefix)
        typed = await self.repository.profiles_of(codes, day.year, day)
        counted = await self.repository.counted(codes, day)
        rows = [
            ProfileRow(
                area_code=code,
                year=profile.year if (profile := typed.get(code)) else day.year,
                **{name: _float(getattr(profile, name, None)) for name in NUMBERS},
                **{column: counts.get(counted_as, 0) for column, counted_as in ROW_COUNTS.items()},
            )
            for code in codes
            for counts in [counted.get(code, {})]
        ]
        return ProfileStats(area_code=area, as_of=day, villages=rows)

    async def combine_on_merge(
        self, target: str, sources: list[str], day: date, merge_id: uuid.UUID, names: dict[str, str]
    ) -> None:
        """From the merge's day the target's profile is the villages' typed figures together."""
        parts = [
            p for code in [target, *sources] if (p := await self.repository.latest_profile(code, day.year))
        ]
        if not parts:
            return
        combined: dict[str, Any] = {}
        for name in NUMBERS:
            known = [getattr(p, name) for p in parts]
            # A figure one village never typed is unknown for the whole, not a smaller sum.
            combined[name] = None if len(parts) < 1 + len(sources) or None in known else sum(known)
        combined["facilities"] = list(dict.fromkeys(f for p in parts for f in p.facilities))
        waters = [f"{names.get(p.area_code, p.area_code)}：{p.water}" for p in parts if p.water]
        combined["water"] = "；".join(waters) or None
        combined["note"] = "合并：" + "、".join(names.get(c, c) for c in [target, *sources])
        existing = {p.valid_from: p for p in await self.repository.profiles(target, day.year)}
        if (same_day := existing.get(day)) is not None:
            for key, value in combined.items():
                setattr(same_day, key, value)
            same_day.version += 1
            same_day.merge_id = merge_id
            same_day.updated_at = datetime.now(UTC)
        else:
            self.session.add(
                VillageProfile(
                    id=new_id(),
                    area_code=target,
                    year=day.year,
                    valid_from=day,
                    merge_id=merge_id,
                    **combined,
                )
            )
        await self.session.flush()


def _same(stored: Any, value: Any) -> bool:
    if isinstance(stored, Decimal) and value is not None:
        return stored == Decimal(str(value))
    return bool(stored == value)


def _typed_json(profile: VillageProfile) -> dict[str, Any]:
    return {
        "version": profile.version,
        "valid_from": profile.valid_from.isoformat(),
        **{name: _float(getattr(profile, name)) for name in NUMBERS},
        "water": profile.water,
        "facilities": list(profile.facilities),
        "note": profile.note,
    }
