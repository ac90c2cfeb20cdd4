"""SQL of the stations jobs knows: written by projects' events, read in the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.columns import table_of
from services.common.scope import in_scope
from services.jobs.stations.models import KnownStation, StationAllocation

# Each station in the area with what its photovoltaic posts in force on :day plan to pay this month
# (the monthly subsidy, yuan, × the places held that day, in fen) and what projects allocated to post
# wages from the station's revenue of :day's month (none yet: NULL).
PLANNED_AGAINST_ALLOCATED = text(
    """
SELECT s.id, s.name, s.area_code, al.posts_fen AS allocated_fen,
       COALESCE(sum(round(p.monthly_subsidy * 100) * held.n), 0)::bigint AS planned_fen,
       COALESCE(sum(held.n), 0)::bigint AS held
FROM jobs.stations s
LEFT JOIN jobs.welfare_posts p
  ON p.station_id = s.id AND p.starts_on <= :day AND (p.ends_on IS NULL OR p.ends_on >= :day)
LEFT JOIN LATERAL (
  SELECT count(*) AS n FROM jobs.post_assignments a
  WHERE a.post_id = p.id AND a.starts_on <= :day AND (a.ends_on IS NULL OR a.ends_on >= :day)
) held ON true
LEFT JOIN jobs.station_allocations al ON al.station_id = s.id AND al.month = :month
WHERE s.area_code LIKE :prefix || '%'
GROUP BY s.id, s.name, s.area_code, al.posts_fen
ORDER BY s.area_code, s.name, s.id
"""
)


class StationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def many(
        self, station_ids: Sequence[uuid.UUID], scope_prefix: str
    ) -> dict[uuid.UUID, KnownStation]:
        """The stations among ``station_ids`` in the caller's area (one outside it is not known)."""
        if not station_ids:
            return {}
        query = select(KnownStation).where(
            col(KnownStation.id).in_(set(station_ids)), in_scope(col(KnownStation.area_code), scope_prefix)
        )
        return {s.id: s for s in (await self.session.execute(query)).scalars()}

    async def learn(self, values: dict[str, Any]) -> None:
        """A station registered or changed: as projects describes it now."""
        statement = insert(table_of(KnownStation)).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={
                    "asset_id": statement.excluded.asset_id,
                    "area_code": statement.excluded.area_code,
                    "name": statement.excluded.name,
                    "updated_at": func.now(),
                },
            )
        )

    async def allocate(self, values: dict[str, Any]) -> None:
        """A station-month's allocation to post wages, as projects set it last."""
        statement = insert(table_of(StationAllocation)).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["station_id", "month"],
                set_={"posts_fen": statement.excluded.posts_fen, "updated_at": func.now()},
            )
        )

    async def allocations(self, month: date, scope_prefix: str) -> dict[uuid.UUID, int]:
        """Each station's allocation to post wages in ``month``, in the caller's area."""
        query = select(StationAllocation).where(
            StationAllocation.month == month, in_scope(col(StationAllocation.area_code), scope_prefix)
        )
        return {a.station_id: a.posts_fen for a in (await self.session.execute(query)).scalars()}

    async def planned_against_allocated(self, prefix: str, day: date) -> Sequence[Any]:
        """Each station under ``prefix``: its posts' plan on ``day`` and the month's allocation."""
        params = {"day": day, "month": day.replace(day=1), "prefix": prefix}
        return (await self.session.execute(PLANNED_AGAINST_ALLOCATED, params)).all()
