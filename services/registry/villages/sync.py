"""The villages' part of the phones' sync feed: each village's groups and typed profile, sent whole.

They are few and small, so a village is sent again whole whenever one of its groups or its profile
changed since the cursor was issued (every village in scope on a full download), on the last page of
a sync. A margin covers writes that committed just after the cursor was handed out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import china_today
from services.registry.models import Area
from services.registry.villages.repository import VillageRepository
from services.registry.villages.schemas import GroupRead, ProfileTyped, VillageSync

MARGIN = timedelta(minutes=5)


async def village_snapshots(session: AsyncSession, scope_prefix: str, since: int | None) -> list[VillageSync]:
    """The villages whose groups or profile changed since ``since`` (Unix seconds; None: all)."""
    repository = VillageRepository(session)
    after = None if since is None else datetime.fromtimestamp(since, UTC) - MARGIN
    codes = await repository.changed_villages(scope_prefix, after)
    if not codes:
        return []
    today = china_today()
    names = {code: (await session.get(Area, code)) for code in codes}
    groups: dict[str, list[GroupRead]] = {code: [] for code in codes}
    for group in await repository.groups_of(codes):
        groups[group.area_code].append(GroupRead.model_validate(group))
    profiles = await repository.profiles_of(codes, today.year, today)
    snapshots = []
    for code in codes:
        profile = profiles.get(code) or await repository.latest_profile(code, today.year)
        area = names[code]
        snapshots.append(
            VillageSync(
                area_code=code,
                name=area.name if area else code,
                groups=groups[code],
                profile=ProfileTyped.model_validate(profile) if profile else None,
            )
        )
    return snapshots
