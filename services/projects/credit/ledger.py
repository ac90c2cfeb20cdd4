"""The micro-credit ledger (小额信贷台账): one row per loan in the area — its village (code and name),
the borrower's household number, bank, amount, rate and subsidy, purpose, dates, repaid and balance,
and its state on the day with the days to its due date. A town has tens or hundreds of loans, so the
file is written from one read; the names come from the registry first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.division_names import name_of
from services.common.peers import call_peer
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.projects.credit.models import Loan
from services.projects.credit.service import state_on

SHEET_NAME = "小额信贷台账"
CHUNK = 5000


def _percent(bp: int) -> str:
    return f"{bp / 100:.2f}%"


def columns(areas: Mapping[str, str], numbers: Mapping[str, str], day: date) -> list[Column]:
    return [
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("户编号", lambda r: numbers.get(str(r.household_id)), 14),
        Column("贷款银行", lambda r: r.bank, 20),
        Column("贷款金额（分）", lambda r: r.amount_fen, 14, "number"),
        Column("年利率", lambda r: _percent(r.rate_bp), 8),
        Column("贴息率", lambda r: _percent(r.subsidy_bp), 8),
        Column("贷款用途（产业）", lambda r: r.purpose, 20),
        Column("放款日期", lambda r: r.starts_on, 12, "date"),
        Column("到期日期", lambda r: r.due_on, 12, "date"),
        Column("展期至", lambda r: r.extended_due_on, 12, "date"),
        Column("已还本金（分）", lambda r: r.repaid_fen, 14, "number"),
        Column("贷款余额（分）", lambda r: r.balance_fen, 14, "number"),
        Column("结清日期", lambda r: r.repaid_on, 12, "date"),
        Column("核销日期", lambda r: r.written_off_on, 12, "date"),
        Column("状态", lambda r: r.state.label, 10),
        Column("距到期天数", lambda r: (r.current_due_on - day).days, 10, "number"),
        Column("银行业务编号", lambda r: r.record_id, 20),
        Column("贷款ID", lambda r: str(r.id), 38),
        Column("借款人ID", lambda r: str(r.person_id), 38),
    ]


HEADERS = [column.header for column in columns({}, {}, date(2000, 1, 1))]


async def _names(request: Request, loans: Sequence[Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Village names and household numbers, as the registry knows them in the caller's scope."""
    households = list(dict.fromkeys(str(loan.household_id) for loan in loans))
    codes = list(dict.fromkeys(loan.area_code for loan in loans))
    areas: dict[str, str] = {}
    numbers: dict[str, str] = {}
    for start in range(0, max(len(households), len(codes)), CHUNK):
        body = {
            "household_ids": households[start : start + CHUNK],
            "cadre_ids": [],
            "area_codes": codes[start : start + CHUNK],
        }
        answer = await call_peer(
            request, request.app.state.registry_peer, "registry", "/internal/v1/names", body
        )
        areas |= {a["code"]: a["name"] for a in answer["areas"]}
        numbers |= {h["household_id"]: h["number"] for h in answer["households"]}
    return areas, numbers


async def credit_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    within: str,
    day: date,
    days: int,
    format: ledgers.Format,
) -> Response:
    """The ledger of the area ``within`` (scope.WithinQuery: already in the caller's scope)."""
    area = area_label(within)
    audit_trail(session).record("loan.export", "loan", None, area_code=area, changes={"format": format})
    query = (
        select(Loan)
        .where(in_scope(col(Loan.area_code), principal.scope_prefix), in_scope(col(Loan.area_code), within))
        .order_by(col(Loan.area_code), col(Loan.starts_on), col(Loan.id))
    )
    # Read whole now: the file is written after the session has ended.
    loans: Sequence[Any] = [
        SimpleNamespace(
            **loan.model_dump(),
            balance_fen=loan.balance_fen,
            current_due_on=loan.current_due_on,
            state=state_on(loan, day, days),
        )
        for loan in (await session.execute(query)).scalars()
    ]
    areas, numbers = await _names(request, loans) if loans else ({}, {})

    async def partitions() -> AsyncIterator[Sequence[Any]]:
        yield loans

    return ledgers.ledger_file(
        f"loans-{area}-{day.isoformat()}",
        format,
        SHEET_NAME,
        columns(areas, numbers, day),
        partitions(),
    )
