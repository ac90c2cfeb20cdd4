"""SQL of threshold versions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.area_codes import NATIONAL_ROOT, is_valid_scope, structural_parent
from services.common.scope import in_scope
from services.monitoring.models import ThresholdVersion


def lineage(area_code: str) -> list[str]:
    """The area, each area above it, and the national root: where its thresholds may come from."""
    if not is_valid_scope(area_code):
        return [NATIONAL_ROOT]
    codes = []
    code: str | None = area_code
    while code is not None and code != NATIONAL_ROOT:
        codes.append(code)
        code = structural_parent(code)
    return [*codes, NATIONAL_ROOT]


class ThresholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_version(self, row: ThresholdVersion) -> ThresholdVersion:
        # Versions of one area and year are numbered in order; the lock makes two saves take turns.
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('monitoring.thresholds:' || :key))"),
            {"key": f"{row.area_code}:{row.year}"},
        )
        latest = await self.session.scalar(
            select(func.max(ThresholdVersion.version)).where(
                ThresholdVersion.area_code == row.area_code, ThresholdVersion.year == row.year
            )
        )
        row.version = (latest or 0) + 1
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def in_force(self, area_code: str, year: int) -> ThresholdVersion | None:
        """The latest version of the most specific area (the area itself, then upwards) for the year."""
        return (await self.in_force_for([area_code], year))[area_code]

    async def in_force_for(self, area_codes: Iterable[str], year: int) -> dict[str, ThresholdVersion | None]:
        """``in_force`` for many areas in one query (a county's villages: one round trip, not 300)."""
        lineages = {code: lineage(code) for code in set(area_codes)}
        wanted = sorted({c for codes in lineages.values() for c in codes})
        rows = (
            (
                await self.session.execute(
                    select(ThresholdVersion)
                    .where(ThresholdVersion.year == year, col(ThresholdVersion.area_code).in_(wanted))
                    .order_by(col(ThresholdVersion.version).desc())
                )
            )
            .scalars()
            .all()
        )
        found: dict[str, ThresholdVersion | None] = {}
        for code, codes in lineages.items():
            best: ThresholdVersion | None = None
            for row in rows:
                if row.area_code in codes and (
                    best is None or codes.index(row.area_code) < codes.index(best.area_code)
                ):
                    best = row
            found[code] = best
        return found

    async def list(
        self, scope_code: str, scope_prefix: str, *, year: int | None, area_code: str | None
    ) -> Sequence[ThresholdVersion]:
        """Versions set inside the caller's scope and those set above it (which apply to it too)."""
        query = select(ThresholdVersion).where(
            in_scope(col(ThresholdVersion.area_code), scope_prefix)
            | col(ThresholdVersion.area_code).in_(lineage(scope_code) if scope_code != NATIONAL_ROOT else [])
        )
        if year is not None:
            query = query.where(ThresholdVersion.year == year)
        if area_code is not None:
            query = query.where(ThresholdVersion.area_code == area_code)
        order = (
            col(ThresholdVersion.year).desc(),
            ThresholdVersion.area_code,
            col(ThresholdVersion.version).desc(),
        )
        return (await self.session.execute(query.order_by(*order).limit(1000))).scalars().all()
