"""A visit as it is read: with its data checks against the registry (``rules.checks``), judged when
read from monitoring's copy of the registry's members (kept from its events), so a birth or death
registered after the visit, or a registry history still replaying, is taken into account, and a check
never raises an alert."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.monitoring.inspections.repository import InspectionRepository
from services.monitoring.inspections.schemas import DataCheckRead, InspectionRead
from services.monitoring.models import Inspection
from services.monitoring.rules.checks import household_size_check


async def reader(session: AsyncSession, rows: Sequence[Inspection]) -> Callable[[Inspection], InspectionRead]:
    """How to read each of ``rows``: the registry's members on each visit's day, asked at once."""
    members = await InspectionRepository(session).registry_members([row.id for row in rows])

    def read(row: Inspection) -> InspectionRead:
        return InspectionRead.model_validate(row).model_copy(update={"checks": _checks(row, members)})

    return read


def _checks(row: Inspection, members: dict[uuid.UUID, tuple]) -> list[DataCheckRead]:
    if row.id not in members:
        return []
    day, count = members[row.id]
    check = household_size_check((row.answers or {}).get("household_size"), count, day)
    return [DataCheckRead(**vars(check))] if check else []
