"""What monitoring tells the registry about its cases, through its outbox (``services.common.events``):
a household enrolled as a monitored household (监测户) on a day, and its risk eliminated on a day. The
registry owns "monitored on date D" as a programme period and keeps it from these events; they are
published in the transaction of the step, so a step that commits is never left untold.

Payloads are snapshots: the case, the household, the type and the day. The relay delivers them in the
order they were committed, so an exit always follows its enrolment."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events.outbox import publish
from services.monitoring.models import SCHEMA, Case

CASE_ENROLLED = "case.enrolled"
CASE_ELIMINATED = "case.eliminated"
REGISTRY_WANTS = frozenset({CASE_ENROLLED, CASE_ELIMINATED})


def _payload(case: Case) -> dict[str, object]:
    return {
        "case_id": str(case.id),
        "household_id": str(case.household_id),
        "monitoring_type": case.monitoring_type,
        "imported": case.import_sha256 is not None,
    }


async def publish_enrolled(session: AsyncSession, case: Case, on: date) -> None:
    await publish(
        session,
        SCHEMA,
        CASE_ENROLLED,
        area_code=case.area_code,
        subject_id=case.household_id,
        payload=_payload(case) | {"enrolled_on": on.isoformat()},
    )


async def publish_eliminated(session: AsyncSession, case: Case, on: date) -> None:
    await publish(
        session,
        SCHEMA,
        CASE_ELIMINATED,
        area_code=case.area_code,
        subject_id=case.household_id,
        payload=_payload(case) | {"eliminated_on": on.isoformat()},
    )
