"""Micro-credit's SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.projects.credit.models import Loan, LoanExtension, LoanRepayment

DUE = func.coalesce(col(Loan.extended_due_on), col(Loan.due_on))


def open_loans() -> list[Any]:
    """Loans with a balance, not written off."""
    return [col(Loan.written_off_on).is_(None), col(Loan.repaid_on).is_(None)]


class CreditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Loans ---------------------------------------------------------------------------------------

    async def get(self, loan_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Loan | None:
        query = select(Loan).where(col(Loan.id) == loan_id, in_scope(col(Loan.area_code), scope_prefix))
        if lock:  # and read afresh: a batch may have read it before another request changed it
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_anywhere(self, loan_id: uuid.UUID) -> Loan | None:
        """For a retry's check only."""
        return await self.session.get(Loan, loan_id, populate_existing=True)

    async def insert_loan(self, values: dict[str, Any]) -> bool:
        """False when the id (or the sender's record id) is taken: a retry, or a race's loser."""
        inserted = await self.session.execute(
            insert(table_of(Loan)).values(**values).on_conflict_do_nothing().returning(table_of(Loan).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def insert_loans(self, rows: list[dict[str, Any]]) -> set[str]:
        """The record ids inserted; a record id the sender used already is skipped."""
        statement = (
            insert(table_of(Loan)).values(rows).on_conflict_do_nothing().returning(table_of(Loan).c.record_id)
        )
        return set((await self.session.execute(statement)).scalars())

    async def stored_records(self, sender_id: str, record_ids: list[str]) -> dict[str, tuple[bytes, str]]:
        """A sender's loans by record id: their digest and area."""
        rows = await self.session.execute(
            select(col(Loan.record_id), col(Loan.request_sha256), col(Loan.area_code)).where(
                col(Loan.sender_id) == sender_id, col(Loan.record_id).in_(record_ids)
            )
        )
        return {r.record_id: (r.request_sha256 or b"", r.area_code) for r in rows}

    async def by_records(
        self, sender_id: str, record_ids: Sequence[str], scope_prefix: str
    ) -> dict[str, Loan]:
        query = select(Loan).where(
            col(Loan.sender_id) == sender_id,
            col(Loan.record_id).in_(record_ids),
            in_scope(col(Loan.area_code), scope_prefix),
        )
        return {loan.record_id or "": loan for loan in (await self.session.execute(query)).scalars()}

    async def page(
        self,
        scope_prefix: str,
        within: str,
        *,
        household_id: uuid.UUID | None,
        state_filter: list[Any],
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Loan]:
        query = select(Loan).where(
            in_scope(col(Loan.area_code), scope_prefix), in_scope(col(Loan.area_code), within), *state_filter
        )
        if household_id is not None:
            query = query.where(col(Loan.household_id) == household_id)
        if after is not None:
            query = query.where(col(Loan.id) > after)
        return (await self.session.execute(query.order_by(col(Loan.id)).limit(limit))).scalars().all()

    async def due_between(
        self,
        scope_prefix: str,
        within: str,
        first: date,
        last: date,
        *,
        households: Sequence[uuid.UUID] | None,
        after: tuple[date, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Loan]:
        """Open loans falling due in [first, last], soonest first."""
        query = select(Loan).where(
            in_scope(col(Loan.area_code), scope_prefix),
            in_scope(col(Loan.area_code), within),
            *open_loans(),
            DUE >= first,
            DUE <= last,
        )
        if households is not None:
            query = query.where(col(Loan.household_id).in_(households))
        if after is not None:
            query = query.where(tuple_(DUE, col(Loan.id)) > tuple_(after[0], after[1]))
        return (await self.session.execute(query.order_by(DUE, col(Loan.id)).limit(limit))).scalars().all()

    async def households_due(
        self, scope_prefix: str, within: str, first: date, last: date
    ) -> list[uuid.UUID]:
        query = (
            select(col(Loan.household_id))
            .distinct()
            .where(
                in_scope(col(Loan.area_code), scope_prefix),
                in_scope(col(Loan.area_code), within),
                *open_loans(),
                DUE >= first,
                DUE <= last,
            )
        )
        return list((await self.session.execute(query)).scalars())

    async def mark_overdue(
        self, scope_prefix: str, today: date, loan_ids: Sequence[uuid.UUID] | None
    ) -> list[Loan]:
        """Open loans past their due date not yet reported, marked reported now (each once: the update
        takes each row once, however many scans race)."""
        statement = (
            update(Loan)
            .where(
                in_scope(col(Loan.area_code), scope_prefix),
                *open_loans(),
                DUE < today,
                col(Loan.overdue_reported_on).is_(None),
            )
            .values(overdue_reported_on=today)
            .returning(Loan)
        )
        if loan_ids is not None:
            statement = statement.where(col(Loan.id).in_(loan_ids))
        rows = await self.session.execute(
            statement, execution_options={"synchronize_session": False, "populate_existing": True}
        )
        return list(rows.scalars())

    # Repayments ----------------------------------------------------------------------------------

    async def insert_repayment(self, values: dict[str, Any]) -> bool:
        inserted = await self.session.execute(
            insert(table_of(LoanRepayment))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(LoanRepayment).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def repayment(self, repayment_id: uuid.UUID) -> LoanRepayment | None:
        return await self.session.get(LoanRepayment, repayment_id)

    async def stored_repayments(self, sender_id: str, record_ids: list[str]) -> dict[str, bytes]:
        rows = await self.session.execute(
            select(col(LoanRepayment.record_id), col(LoanRepayment.request_sha256)).where(
                col(LoanRepayment.sender_id) == sender_id, col(LoanRepayment.record_id).in_(record_ids)
            )
        )
        return {r.record_id: r.request_sha256 or b"" for r in rows}

    async def repayments_of(self, loan_id: uuid.UUID) -> Sequence[LoanRepayment]:
        query = (
            select(LoanRepayment)
            .where(col(LoanRepayment.loan_id) == loan_id)
            .order_by(col(LoanRepayment.paid_on), col(LoanRepayment.id))
        )
        return (await self.session.execute(query)).scalars().all()

    # Extensions ----------------------------------------------------------------------------------

    async def extension(
        self, extension_id: uuid.UUID, loan_id: uuid.UUID, *, lock: bool = False
    ) -> LoanExtension | None:
        query = select(LoanExtension).where(
            col(LoanExtension.id) == extension_id, col(LoanExtension.loan_id) == loan_id
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def extension_anywhere(self, extension_id: uuid.UUID) -> LoanExtension | None:
        return await self.session.get(LoanExtension, extension_id)

    async def pending_extension(self, loan_id: uuid.UUID) -> LoanExtension | None:
        query = select(LoanExtension).where(
            col(LoanExtension.loan_id) == loan_id, col(LoanExtension.state) == "requested"
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def insert_extension(self, values: dict[str, Any]) -> bool:
        inserted = await self.session.execute(
            insert(table_of(LoanExtension))
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table_of(LoanExtension).c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def extensions_of(self, loan_id: uuid.UUID) -> Sequence[LoanExtension]:
        query = (
            select(LoanExtension)
            .where(col(LoanExtension.loan_id) == loan_id)
            .order_by(col(LoanExtension.requested_at), col(LoanExtension.id))
        )
        return (await self.session.execute(query)).scalars().all()


def state_filter(state: str | None, today: date, days: int) -> list[Any]:
    """A list's filter by the state loans are in today."""
    soon = today + timedelta(days=days)
    match state:
        case "written_off":
            return [col(Loan.written_off_on).is_not(None)]
        case "repaid":
            return [col(Loan.written_off_on).is_(None), col(Loan.repaid_on).is_not(None)]
        case "overdue":
            return [*open_loans(), DUE < today]
        case "due_soon":
            return [*open_loans(), DUE >= today, DUE <= soon]
        case "current":
            return [*open_loans(), DUE > soon]
    return []
