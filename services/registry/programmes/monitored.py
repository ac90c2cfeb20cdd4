"""The 监测户 programme periods, kept from monitoring's events: the registry owns "monitored on date D".

Monitoring decides (the county approves a case, the county confirms its risk is gone); the registry
records what that means for the household: a ``monitored`` period from the day of enrolment, whose last
day is the day before the risk was eliminated (every "as of" is the end of the day, and at the end of
that day the household is no longer monitored, in monitoring's figures as in these). The household's
category follows today's periods: 监测户 while a monitored period is in force, and after it what it was
underneath: 脱贫户 if the household still holds a 脱贫户 period (a 脱贫不稳定户 never stopped being one),
else 一般农户. A category change is a new version of the household, so the change log publishes the
usual ``household.changed`` and every reader of the category follows.

No one sets or lifts 监测户 by hand: a household's category ``monitored`` on create or update, a ledger
row's 户类别 监测户, a ``monitored`` period posted or ended through /api/v1/programmes are all refused
with ``category_follows_cases`` (``follows_cases``), so the registry never counts a 监测户 that
monitoring does not.

Events of a household are handled in the order monitoring committed them (the relay keeps it, the
inbox takes each once); an imported past case may arrive after later history, so a period is placed
among the household's others by its dates, never over them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import audit_trail
from services.common.calendar import china_today
from services.common.errors import ValidationFailed
from services.common.events.inbox import IncomingEvent
from services.common.ids import new_id
from services.registry.codes import HouseholdCategory, Programme
from services.registry.models import Household, ProgrammeMembership
from services.registry.programmes.repository import MembershipRepository

logger = logging.getLogger("fangpin.registry.monitored")
ACTOR = "service:monitoring"
MONITORED = Programme.monitored.value
FOLLOWS_CASES = (
    "A household becomes 监测户 (monitored) when the county enrols its case, and stops being one when "
    "the case's risk is eliminated; past cases come in through POST /api/v1/case-imports. Register "
    "the household as what it is underneath (脱贫户 escaped or 一般农户 ordinary)"
)


def follows_cases(loc: Sequence[str | int]) -> ValidationFailed:
    """The refusal of a 监测户 set or lifted by hand (nothing is changed)."""
    return ValidationFailed.field(loc, FOLLOWS_CASES, "category_follows_cases")


def _note(case_id: str) -> str:
    return f"监测对象 case {case_id}"


def _covers(period: ProgrammeMembership, day: date) -> bool:
    return period.starts_on <= day and (period.ends_on is None or period.ends_on >= day)


async def _household(session: AsyncSession, event: IncomingEvent) -> Household | None:
    household = await MembershipRepository(session).household_of_event(
        uuid.UUID(str(event.payload["household_id"]))
    )
    if household is None or household.deleted_at is not None:
        logger.info("%s of a household no longer registered: nothing to record", event.type)
        return None
    return household


async def enrolled(session: AsyncSession, event: IncomingEvent) -> None:
    household = await _household(session, event)
    if household is None:
        return
    repository = MembershipRepository(session)
    day = date.fromisoformat(event.payload["enrolled_on"])
    case_id = str(event.payload["case_id"])
    periods = await repository.periods_of(household.id, MONITORED)
    later = [g for g in periods if g.starts_on > day]
    kind = event.payload.get("monitoring_type")
    if covering := [g for g in periods if _covers(g, day)]:
        # Already monitored that day (the same history again, or a period once set by hand).
        if covering[0].monitoring_type is None and kind:
            covering[0].monitoring_type = str(kind)
            await session.flush()
    elif later and later[0].ends_on is None:
        later[0].starts_on = day  # earlier than a period a ledger opened (before that was refused): backdated
        await session.flush()
        _audit(session, "programme.backdate", later[0], case_id)
    else:
        period = ProgrammeMembership(
            id=new_id(),
            household_id=household.id,
            area_code=household.area_code,
            programme=MONITORED,
            starts_on=day,
            ends_on=later[0].starts_on - timedelta(days=1) if later else None,
            note=_note(case_id),
            monitoring_type=str(kind) if kind else None,
            created_by=ACTOR,
        )
        session.add(period)
        await session.flush()
        _audit(session, "programme.start", period, case_id)
    await _follow_category(session, household)


async def eliminated(session: AsyncSession, event: IncomingEvent) -> None:
    household = await _household(session, event)
    if household is None:
        return
    repository = MembershipRepository(session)
    day = date.fromisoformat(event.payload["eliminated_on"])
    case_id = str(event.payload["case_id"])
    periods = await repository.periods_of(household.id, MONITORED)
    period = next((g for g in periods if g.note == _note(case_id)), None) or next(
        (g for g in periods if g.starts_on <= day and (g.ends_on is None or g.ends_on >= day)), None
    )
    last = day - timedelta(days=1)
    if period is None or (period.ends_on is not None and period.ends_on <= last):
        return  # ended already
    if last < period.starts_on and period.note == _note(case_id):
        await session.delete(period)  # enrolled and eliminated on one day: never monitored at a day's end
        await session.flush()
        _audit(session, "programme.withdraw", period, case_id)
    else:
        period.ends_on, period.ended_by = max(last, period.starts_on), ACTOR
        await session.flush()
        _audit(session, "programme.end", period, case_id)
    await _follow_category(session, household)


async def _follow_category(session: AsyncSession, household: Household) -> None:
    """The category says what today's periods say (see the module's text)."""
    repository = MembershipRepository(session)
    today = china_today()
    if any(_covers(g, today) for g in await repository.periods_of(household.id, MONITORED)):
        category = HouseholdCategory.monitored.value
    elif household.category != HouseholdCategory.monitored.value:
        return  # not monitored, and not said to be: nothing to undo
    elif any(_covers(g, today) for g in await repository.periods_of(household.id, Programme.escaped.value)):
        category = HouseholdCategory.escaped.value
    else:
        category = HouseholdCategory.ordinary.value
    if category != household.category:
        await repository.set_category(household, category, ACTOR)


def _audit(session: AsyncSession, action: str, period: ProgrammeMembership, case_id: str) -> None:
    audit_trail(session).record(
        action,
        "programme_membership",
        str(period.id),
        area_code=period.area_code,
        changes={
            "programme": MONITORED,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat() if period.ends_on else None,
            "case_id": case_id,
            "source": "monitoring",
        },
    )
