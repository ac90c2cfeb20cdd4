"""SQL of plans: a household's measures, and which households have one in force on a day."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.monitoring.models import Case, Measure

CHUNK = 5000


def in_force(day: date) -> list[ColumnElement[bool]]:
    """A measure counts on ``day``: not cancelled, started, not ended before (its own dates say when it
    is in force, however late it was entered: plans are often written up after the work began)."""
    return [
        col(Measure.status) != "cancelled",
        col(Measure.starts_on) <= day,
        (col(Measure.ends_on).is_(None)) | (col(Measure.ends_on) >= day),
    ]


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_household(self, household_id: uuid.UUID, scope: str) -> list[Measure]:
        query = (
            select(Measure)
            .where(Measure.household_id == household_id, in_scope(col(Measure.area_code), scope))
            .order_by(col(Measure.starts_on), col(Measure.id))
            .limit(1000)
        )
        return list((await self.session.execute(query)).scalars())

    async def planned(self, household_ids: Sequence[uuid.UUID], day: date) -> set[uuid.UUID]:
        """Of these households, those with a measure in force on ``day``."""
        found: set[uuid.UUID] = set()
        for start in range(0, len(household_ids), CHUNK):
            query = (
                select(Measure.household_id)
                .where(
                    col(Measure.household_id) == func.any(uuid_array(household_ids[start : start + CHUNK])),
                    *in_force(day),
                )
                .distinct()
            )
            found.update((await self.session.execute(query)).scalars())
        return found

    async def live_case(self, household_id: uuid.UUID, states: Sequence[str]) -> Case | None:
        """The household's case that plans attach to (enrolled or on its way out), if any."""
        query = (
            select(Case)
            .where(Case.household_id == household_id, col(Case.state).in_(list(states)))
            .order_by(col(Case.opened_at).desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(self, measure_id: uuid.UUID) -> Measure | None:
        return (
            await self.session.execute(select(Measure).where(Measure.id == measure_id))
        ).scalar_one_or_none()
