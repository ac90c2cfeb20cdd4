"""The system's exit proposals (风险消除): when a household's risk has stayed away long enough.

After a clean visit of an enrolled household, the criteria are checked: no live alert, and visits
without findings ever since the first clean one after the case's first alert and the last visit with
findings, for at least the year's exit waiting period. The proposal is a case step taken by the
system, with the reason; the village, town and county then confirm it as for enrolment.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import CHINA
from services.monitoring.cases.repository import CaseRepository
from services.monitoring.cases.service import record_step
from services.monitoring.cases.workflow import CaseAction, CaseState
from services.monitoring.thresholds.repository import ThresholdRepository

DEFAULT_EXIT_WAITING_DAYS = 180  # half a year, when no thresholds apply
SYSTEM_ACTOR = ("fangpin", "系统", "system")

CLEAN_SINCE_SQL = """
SELECT min(i.visited_at) AS since, max(i.visited_at) AS latest, count(*) AS visits
FROM monitoring.inspections i
WHERE i.household_id = :household AND NOT i.superseded AND i.visited_at >= :start
  AND i.visited_at > coalesce((
      SELECT max(b.visited_at) FROM monitoring.inspections b
      WHERE b.household_id = :household AND NOT b.superseded AND b.findings <> '[]'::jsonb), '-infinity')
"""

LIVE_ALERTS_SQL = """
SELECT count(*) FROM monitoring.alerts WHERE household_id = :household AND state IN ('open', 'acknowledged')
"""


async def propose_exits(session: AsyncSession, households: list[uuid.UUID]) -> list[uuid.UUID]:
    """Check each household (just visited, nothing found) and propose exit where the criteria hold."""
    proposed = []
    cases = CaseRepository(session)
    for household in await cases.enrolled_among(households):  # most visited households have no case
        case = await cases.open_case_of(household, lock=True)
        if case is None or case.state != CaseState.enrolled:
            continue
        if await session.scalar(text(LIVE_ALERTS_SQL), {"household": household}):
            continue
        streak = (
            await session.execute(
                text(CLEAN_SINCE_SQL), {"household": household, "start": case.first_alert_at}
            )
        ).one()
        if streak.since is None:
            continue
        year = streak.latest.astimezone(CHINA).year
        thresholds = await ThresholdRepository(session).in_force(case.area_code, year)
        waiting = thresholds.exit_waiting_days if thresholds else DEFAULT_EXIT_WAITING_DAYS
        held = (streak.latest - streak.since).days
        if held < waiting:
            continue
        source = (
            f"{thresholds.area_code} {thresholds.year}年标准第{thresholds.version}版"
            if thresholds
            else f"未设标准，默认{DEFAULT_EXIT_WAITING_DAYS}天"
        )
        reason = (
            f"自{_day(streak.since)}至{_day(streak.latest)}走访{streak.visits}次未发现风险、无未结预警，"
            f"已满{held}天 ≥ 风险消除观察期{waiting}天（{source}）"
        )
        before, case.state, case.version = case.state, CaseState.exit_village.value, case.version + 1
        record_step(session, case, CaseAction.propose_exit.value, before, SYSTEM_ACTOR, reason)
        proposed.append(case.id)
    await session.flush()
    return proposed


def _day(moment: datetime) -> str:
    return moment.astimezone(CHINA).date().isoformat()
