"""What households received through projects' and assets' beneficiary links (利益联结), kept from the
projects service's ``beneficiary.paid`` events: the income rule counts each component (wages, transfer)
as at least what these records say for the year (``at_least_recorded``).

A payment is kept once by its id (the inbox already ignores a repeated event; the key makes sure a
payment published twice under two events still counts once).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.events.inbox import IncomingEvent
from services.monitoring.models import RecordedIncome
from services.monitoring.rules.facts import Income

KINDS = ("wage", "transfer")  # the projects service's contract: 务工 is wage, every other way transfer


async def beneficiary_paid(session: AsyncSession, event: IncomingEvent) -> None:
    payload = event.payload
    if payload.get("kind") not in KINDS:
        return
    row = {
        "payment_id": uuid.UUID(str(payload["payment_id"])),
        "household_id": uuid.UUID(str(payload["household_id"])),
        "area_code": event.area_code,
        "year": int(payload["year"]),
        "kind": payload["kind"],
        "amount_fen": int(payload["amount_fen"]),
        "paid_on": date.fromisoformat(str(payload["paid_on"])),
        "event_id": event.id,
    }
    await session.execute(insert(table_of(RecordedIncome)).values(**row).on_conflict_do_nothing())


@dataclass(frozen=True)
class Recorded:
    """A household's recorded income for a year, in yuan."""

    wages: Decimal = Decimal(0)
    transfer: Decimal = Decimal(0)


async def recorded_for(
    session: AsyncSession, household_ids: Iterable[uuid.UUID], year: int
) -> dict[uuid.UUID, Recorded]:
    """Each household's recorded wages and transfer income in the year (only those with any)."""
    households = list(set(household_ids))
    if not households:
        return {}
    query = (
        select(
            col(RecordedIncome.household_id),
            col(RecordedIncome.kind),
            func.sum(col(RecordedIncome.amount_fen)),
        )
        .where(col(RecordedIncome.household_id).in_(households), col(RecordedIncome.year) == year)
        .group_by(col(RecordedIncome.household_id), col(RecordedIncome.kind))
    )
    sums: dict[uuid.UUID, dict[str, Decimal]] = {}
    for household, kind, fen in (await session.execute(query)).all():
        sums.setdefault(household, {})[kind] = Decimal(int(fen)) / 100
    return {
        h: Recorded(wages=s.get("wage", Decimal(0)), transfer=s.get("transfer", Decimal(0)))
        for h, s in sums.items()
    }


def at_least_recorded(income: Income, recorded: Recorded | None) -> Income:
    """Each component the larger of what the visit reported and what the records say; the income says
    which components the records raised (the rule's reason names them)."""
    if recorded is None:
        return income
    raised = []
    wages, transfer = income.wages, income.transfer
    if recorded.wages > wages:
        wages = recorded.wages
        raised.append(("工资性收入", recorded.wages))
    if recorded.transfer > transfer:
        transfer = recorded.transfer
        raised.append(("转移性收入", recorded.transfer))
    return replace(income, wages=wages, transfer=transfer, recorded=tuple(raised))
