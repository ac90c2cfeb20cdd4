"""Micro-credit figures of an area on a date (小额信贷情况): loans with a balance and how much, those due
within the warning days, overdue, repaid on time or late, written off — as things stood on the date
(repayments, approved extensions and write-offs up to it), for the area and each child area."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.area_codes import (
    CODE_LENGTH,
    LEVEL_ORDER,
    NATIONAL_ROOT,
    PREFIX_LENGTH,
    is_village,
    level_of,
    prefix_of,
)
from services.common.scope import in_scope
from services.projects.credit.models import Loan, LoanExtension, LoanRepayment
from services.projects.credit.schemas import ChildCredit, CreditFigures, CreditStats

FIELDS = list(CreditFigures.model_fields)


def child_of(area: str, village: str) -> str:
    """The child area of ``area`` that ``village`` lies in."""
    below = LEVEL_ORDER[0] if area == NATIONAL_ROOT else LEVEL_ORDER[LEVEL_ORDER.index(level_of(area)) + 1]
    return village[: PREFIX_LENGTH[below]].ljust(CODE_LENGTH, "0")


def as_of_query(prefix: str, day: date, days: int) -> Any:
    """Per village: the figures on ``day``."""
    repaid = (
        select(
            col(LoanRepayment.loan_id).label("loan_id"),
            func.sum(col(LoanRepayment.amount_fen)).label("fen"),
            func.max(col(LoanRepayment.paid_on)).label("last"),
        )
        .where(in_scope(col(LoanRepayment.area_code), prefix), col(LoanRepayment.paid_on) <= day)
        .group_by(col(LoanRepayment.loan_id))
        .subquery()
    )
    extended = (
        select(col(LoanExtension.loan_id).label("loan_id"), func.max(col(LoanExtension.due_on)).label("due"))
        .where(
            in_scope(col(LoanExtension.area_code), prefix),
            col(LoanExtension.state) == "approved",
            col(LoanExtension.decided_on) <= day,
        )
        .group_by(col(LoanExtension.loan_id))
        .subquery()
    )
    balance = col(Loan.amount_fen) - func.coalesce(repaid.c.fen, 0)
    due = func.coalesce(extended.c.due, col(Loan.due_on))
    off = (col(Loan.written_off_on).is_not(None)) & (col(Loan.written_off_on) <= day)
    live = ~off & (balance > 0)
    overdue = live & (due < day)
    soon = live & (due >= day) & (due <= day + timedelta(days=days))
    paid = ~off & (balance <= 0)

    def count(condition: Any) -> Any:
        return func.count().filter(condition)

    def total(condition: Any, value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=literal(0))), 0)

    return (
        select(
            col(Loan.area_code),
            count(live).label("outstanding_count"),
            total(live, balance).label("outstanding_fen"),
            count(soon).label("due_soon_count"),
            total(soon, balance).label("due_soon_fen"),
            count(overdue).label("overdue_count"),
            total(overdue, balance).label("overdue_fen"),
            count(paid & (repaid.c.last <= due)).label("repaid_on_time"),
            count(paid & (repaid.c.last > due)).label("repaid_late"),
            count(off).label("written_off_count"),
            total(off, balance).label("written_off_fen"),
        )
        .outerjoin(repaid, repaid.c.loan_id == col(Loan.id))
        .outerjoin(extended, extended.c.loan_id == col(Loan.id))
        .where(in_scope(col(Loan.area_code), prefix), col(Loan.starts_on) <= day)
        .group_by(col(Loan.area_code))
    )


async def credit_stats(session: AsyncSession, area: str, day: date, days: int) -> CreditStats:
    rows = (await session.execute(as_of_query(prefix_of(area), day, days))).all()
    totals = dict.fromkeys(FIELDS, 0)
    children: dict[str, dict[str, int]] = {}
    for row in rows:
        figures = {name: int(getattr(row, name)) for name in FIELDS}
        for name, value in figures.items():
            totals[name] += value
        if not is_village(area):
            child = children.setdefault(child_of(area, row.area_code), dict.fromkeys(FIELDS, 0))
            for name, value in figures.items():
                child[name] += value
    return CreditStats(
        area_code=area,
        as_of=day,
        warning_days=days,
        **totals,
        children=[ChildCredit(area_code=code, **f) for code, f in sorted(children.items())],
    )
