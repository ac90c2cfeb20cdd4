"""A household that moves to another village (a move or a village merge, from the registry's events)
takes its live work with it: pairings, live alerts, cases not yet closed and their measures,
and the live measures of its plan that belong to no case. This is
the only write that moves monitoring's records between areas; what happened before (visits, closed
cases, dismissed alerts) stays where it happened."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.events.inbox import IncomingEvent
from services.monitoring.visits import pairings

FOLLOW_SQL = """
WITH moved_alerts AS (
    UPDATE monitoring.alerts SET area_code = :area, version = version + 1
    WHERE household_id = :household AND state IN ('open', 'acknowledged') AND area_code <> :area
    RETURNING id
), moved_cases AS (
    UPDATE monitoring.cases SET area_code = :area, version = version + 1
    WHERE household_id = :household AND state NOT IN ('eliminated', 'rejected') AND area_code <> :area
    RETURNING id
)
UPDATE monitoring.measures SET area_code = :area, version = version + 1
WHERE (case_id IN (SELECT id FROM moved_cases)
       OR (case_id IS NULL AND household_id = :household AND status IN ('planned', 'in_progress')))
  AND area_code <> :area
"""


async def household_moved(session: AsyncSession, event: IncomingEvent) -> None:
    await pairings.household_moved(session, event)
    if not is_village(event.area_code):
        return
    household = uuid.UUID(event.payload["entity_id"])
    await session.execute(text(FOLLOW_SQL), {"household": household, "area": event.area_code})
