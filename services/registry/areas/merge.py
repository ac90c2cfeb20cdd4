"""Village merges (篇5: 黄金村 + 龙泉村 → 黄金村): households move, old codes stay resolvable.

The merged-away village keeps its row (with ``merged_into_code``) so old ledgers and links resolve, and
each household's move is recorded with its effective date, so statistics "as of" an earlier date still
count it in the village it belonged to then.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, ValidationFailed
from services.common.ids import new_id
from services.common.text import IsoDate
from services.registry.households.repository import stamp_actor
from services.registry.households.service import HouseholdService
from services.registry.models import Area, AreaMerge, Cadre, Household
from services.registry.national_id import IdVault
from services.registry.villages.repository import VillageRepository
from services.registry.villages.service import ProfileService


class AreaMergeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_code: str = Field(pattern=r"^[0-9]{12}$", description="The village that remains (e.g. 黄金村)")
    source_codes: list[Annotated[str, Field(pattern=r"^[0-9]{12}$")]] = Field(
        min_length=1, max_length=20, description="Villages merged into it (the target may be listed too)"
    )
    effective_on: IsoDate = Field(description="The day the merged village exists")


class AreaMergeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    target_code: str
    source_codes: list[str]
    effective_on: date
    households_moved: int
    created_at: datetime


class AreaMergeService:
    def __init__(self, session: AsyncSession, vault: IdVault) -> None:
        self.session = session
        self.households = HouseholdService(session, vault)

    async def merge(self, data: AreaMergeCreate, principal: Principal) -> tuple[AreaMerge, bool]:
        # Scope first, decided from the codes alone, so a refusal reveals nothing about what exists.
        for code in [data.target_code, *data.source_codes]:
            if not principal.covers(code):
                raise Forbidden(f"Village {code} lies outside your area scope", code="outside_scope")
        sources = sorted({code for code in data.source_codes if code != data.target_code})
        if not sources:
            raise ValidationFailed.field(
                ["body", "source_codes"], "Name a village to merge", "nothing_to_merge"
            )
        villages = await self._lock_villages([data.target_code, *sources])
        if (done := await self._already_done(data.target_code, sources)) is not None:
            return done, False
        target = villages[data.target_code]
        if target.merged_into_code:
            raise Conflict(
                f"{target.name} was itself merged into {target.merged_into_code}", code="village_merged"
            )
        for code in sources:
            if villages[code].merged_into_code:
                raise Conflict(f"{villages[code].name} was already merged", code="village_merged")
        await stamp_actor(self.session, principal, "merge")
        merge = AreaMerge(
            id=new_id(),
            target_code=target.code,
            source_codes=sources,
            effective_on=data.effective_on,
            households_moved=0,
            created_by=principal.id,
        )
        self.session.add(merge)
        await self.session.flush()
        moved = 0
        for code in sources:
            rows = await self.session.execute(
                select(Household)
                .where(Household.area_code == code, col(Household.deleted_at).is_(None))
                .with_for_update()
            )
            households = list(rows.scalars().all())
            await self.households.relocate_all(
                households, target.code, data.effective_on, "merge", principal, merge.id
            )
            moved += len(households)
            await self.session.execute(
                update(Cadre).where(col(Cadre.area_code) == code).values(area_code=target.code)
            )
            await self.session.execute(
                update(Area)
                .where(col(Area.code) == code)
                .values(merged_into_code=target.code, merged_on=data.effective_on)
            )
        merge.households_moved = moved
        # The merged villages' groups are the new village's; its profile combines theirs from the day.
        await VillageRepository(self.session).move_groups(sources, target.code)
        names = {code: area.name for code, area in villages.items()}
        await ProfileService(self.session).combine_on_merge(
            target.code, sources, data.effective_on, merge.id, names
        )
        await self.session.flush()
        return merge, True

    async def _lock_villages(self, codes: list[str]) -> dict[str, Area]:
        rows = await self.session.execute(select(Area).where(col(Area.code).in_(codes)).with_for_update())
        villages = {area.code: area for area in rows.scalars().all()}
        for index, code in enumerate(codes):
            area = villages.get(code)
            if area is None or area.level != "village":
                loc = ["body", "target_code"] if index == 0 else ["body", "source_codes"]
                raise ValidationFailed.field(loc, f"{code} is not a registered village", "unknown_village")
        return villages

    async def _already_done(self, target: str, sources: list[str]) -> AreaMerge | None:
        query = select(AreaMerge).where(AreaMerge.target_code == target, AreaMerge.source_codes == sources)
        return (await self.session.execute(query)).scalars().first()
