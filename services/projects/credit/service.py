"""Micro-credit's rules: a loan's borrower is a registry person in the caller's area; repayments never
exceed the balance; an extension (展期) moves the due date only when approved; a loan past its due date
with a balance is reported to monitoring once (``loan.overdue`` in the projects outbox), which raises an
alert on the household. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.events.outbox import publish
from services.common.ids import new_id
from services.common.retries import request_digest
from services.projects import SCHEMA
from services.projects.credit.codes import DEFAULT_WARNING_DAYS, OVERDUE_EVENT, LoanState
from services.projects.credit.models import Loan, LoanExtension
from services.projects.credit.repository import CreditRepository
from services.projects.credit.schemas import (
    ExtensionCreate,
    ExtensionDecision,
    LoanCreate,
    LoanRead,
    RepaymentCreate,
    WriteOff,
)

# person ids -> the registry's answer for those in the caller's area (household_id, area_code, alive)
LookUp = Callable[[Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, dict[str, Any]]]]


def loan_not_found(loan_id: uuid.UUID) -> NotFound:
    return NotFound(f"No loan {loan_id} in your area", code="loan_not_found")


def state_on(loan: Loan, day: date, days: int = DEFAULT_WARNING_DAYS) -> LoanState:
    if loan.written_off_on is not None and loan.written_off_on <= day:
        return LoanState.written_off
    if loan.balance_fen == 0:
        return LoanState.repaid
    left = (loan.current_due_on - day).days
    if left < 0:
        return LoanState.overdue
    return LoanState.due_soon if left <= days else LoanState.current


def loan_read(loan: Loan, days: int = DEFAULT_WARNING_DAYS) -> LoanRead:
    today = china_today()
    fields = {name: getattr(loan, name) for name in LoanRead.model_fields if hasattr(loan, name)}
    return LoanRead(
        **fields | {"state": state_on(loan, today, days), "days_to_due": (loan.current_due_on - today).days}
    )


def not_in_future(day: date, loc: list[str | int]) -> None:
    if day > china_today():
        raise ValidationFailed.field(loc, f"{day} is in the future", "date_in_future")


def not_before_loan(loan: Loan, day: date, loc: list[str | int]) -> None:
    if day < loan.starts_on:
        raise ValidationFailed.field(
            loc, f"{day} is before the loan starts ({loan.starts_on})", "date_before_loan"
        )


async def report_overdue(
    session: AsyncSession, scope_prefix: str, loan_ids: Sequence[uuid.UUID] | None = None
) -> int:
    """Each open loan of the area past its due date and not yet reported: one ``loan.overdue`` event,
    in the same transaction as the mark that it was reported (so never twice)."""
    today = china_today()
    loans = await CreditRepository(session).mark_overdue(scope_prefix, today, loan_ids)
    for loan in sorted(loans, key=lambda loan: loan.id):
        await publish(
            session,
            SCHEMA,
            OVERDUE_EVENT,
            area_code=loan.area_code,
            subject_id=loan.household_id,
            payload={
                "loan_id": str(loan.id),
                "household_id": str(loan.household_id),
                "person_id": str(loan.person_id),
                "bank": loan.bank,
                "amount_fen": loan.amount_fen,
                "balance_fen": loan.balance_fen,
                "due_on": loan.current_due_on.isoformat(),
                "found_on": today.isoformat(),
            },
        )
    return len(loans)


class LoanService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CreditRepository(session)

    async def locked(self, loan_id: uuid.UUID, principal: Principal) -> Loan:
        loan = await self.repository.get(loan_id, principal.scope_prefix, lock=True)
        if loan is None:
            raise loan_not_found(loan_id)
        return loan

    async def create(self, body: LoanCreate, principal: Principal, look_up: LookUp) -> tuple[Loan, bool]:
        """A loan entered by hand; the same id and content again is the same loan (False)."""
        loan_id = body.id or new_id()
        digest = request_digest(body.model_copy(update={"id": None}))
        if (earlier := await self.repository.get_anywhere(loan_id)) is not None:
            return self._repeated(earlier, digest, principal), False
        not_in_future(body.starts_on, ["body", "starts_on"])
        person = (await look_up([body.person_id])).get(body.person_id)
        if person is None or not person.get("alive", True):
            msg = f"No living person {body.person_id} in your area"
            raise ValidationFailed.field(["body", "person_id"], msg, "person_not_found")
        values = body.model_dump(exclude={"id"}) | {
            "id": loan_id,
            "request_sha256": digest,
            "household_id": uuid.UUID(str(person["household_id"])),
            "area_code": person["area_code"],
            "created_by": principal.id,
        }
        if not await self.repository.insert_loan(values):
            earlier = await self.repository.get_anywhere(loan_id)
            assert earlier is not None
            return self._repeated(earlier, digest, principal), False
        loan = await self.repository.get_anywhere(loan_id)
        assert loan is not None
        await report_overdue(self.session, principal.scope_prefix, [loan.id])  # lent long ago, unpaid
        return loan, True

    @staticmethod
    def _repeated(earlier: Loan, digest: bytes, principal: Principal) -> Loan:
        if earlier.request_sha256 == digest and principal.covers(earlier.area_code):
            return earlier
        raise Conflict(f"Loan {earlier.id} exists with other details", code="loan_id_in_use")

    # Repayments ----------------------------------------------------------------------------------

    async def repay(
        self, loan_id: uuid.UUID, body: RepaymentCreate, principal: Principal
    ) -> tuple[Loan, bool]:
        loan = await self.locked(loan_id, principal)
        repayment_id = body.id or new_id()
        digest = request_digest(body.model_copy(update={"id": None}), loan_id)
        if (earlier := await self.repository.repayment(repayment_id)) is not None:
            if earlier.request_sha256 != digest or earlier.loan_id != loan.id:
                raise Conflict(
                    f"Repayment {repayment_id} exists with other details", code="repayment_id_in_use"
                )
            return loan, False
        self.check_repayment(loan, body.amount_fen, body.paid_on, ["body"])
        values = {"id": repayment_id, "sender_id": None, "record_id": None, "request_sha256": digest}
        if not await self.insert_repayment(loan, values, body.amount_fen, body.paid_on, principal):
            raise Conflict(f"Repayment {repayment_id} exists with other details", code="repayment_id_in_use")
        return loan, True

    @staticmethod
    def check_repayment(loan: Loan, amount_fen: int, paid_on: date, loc: list[str | int]) -> None:
        not_in_future(paid_on, [*loc, "paid_on"])
        not_before_loan(loan, paid_on, [*loc, "paid_on"])
        if amount_fen > loan.balance_fen:
            msg = f"{amount_fen} fen is more than the balance ({loan.balance_fen} fen)"
            raise ValidationFailed.field([*loc, "amount_fen"], msg, "repayment_above_balance")

    async def insert_repayment(
        self, loan: Loan, values: dict[str, Any], amount_fen: int, paid_on: date, principal: Principal
    ) -> bool:
        """The repayment and the loan's balance (the loan locked by the caller); False if its key is taken."""
        row = values | {
            "loan_id": loan.id,
            "area_code": loan.area_code,
            "amount_fen": amount_fen,
            "paid_on": paid_on,
            "created_by": principal.id,
        }
        if not await self.repository.insert_repayment(row):
            return False
        loan.repaid_fen += amount_fen
        if loan.balance_fen == 0:
            loan.repaid_on = max(paid_on, loan.repaid_on or paid_on)
        self._touched(loan)
        await self.session.flush()
        return True

    def _touched(self, loan: Loan) -> None:
        loan.version += 1
        loan.updated_at = datetime.now(UTC)

    # Extensions and write-offs -------------------------------------------------------------------

    async def request_extension(
        self, loan_id: uuid.UUID, body: ExtensionCreate, principal: Principal
    ) -> tuple[LoanExtension, bool]:
        loan = await self.locked(loan_id, principal)
        digest = request_digest(body, loan_id)
        if (earlier := await self.repository.extension_anywhere(body.id)) is not None:
            if earlier.request_sha256 != digest or earlier.loan_id != loan.id:
                raise Conflict(f"Extension {body.id} exists with other details", code="extension_id_in_use")
            return earlier, False
        if state_on(loan, china_today()) in (LoanState.repaid, LoanState.written_off):
            raise Conflict(f"Loan {loan.id} is closed: nothing to extend", code="loan_closed")
        if body.due_on <= loan.current_due_on:
            msg = f"The new due date must be after the current one ({loan.current_due_on})"
            raise ValidationFailed.field(["body", "due_on"], msg, "due_not_later")
        if await self.repository.pending_extension(loan.id) is not None:
            raise Conflict(f"Loan {loan.id} has an extension awaiting approval", code="extension_pending")
        values = {
            "id": body.id,
            "loan_id": loan.id,
            "area_code": loan.area_code,
            "due_on": body.due_on,
            "reason": body.reason,
            "state": "requested",
            "request_sha256": digest,
            "requested_by": principal.id,
        }
        if not await self.repository.insert_extension(values):
            raise Conflict(f"Extension {body.id} exists with other details", code="extension_id_in_use")
        extension = await self.repository.extension_anywhere(body.id)
        assert extension is not None
        return extension, True

    async def decide_extension(
        self, loan_id: uuid.UUID, extension_id: uuid.UUID, body: ExtensionDecision, principal: Principal
    ) -> tuple[Loan, LoanExtension]:
        loan = await self.locked(loan_id, principal)
        extension = await self.repository.extension(extension_id, loan.id, lock=True)
        if extension is None:
            raise NotFound(f"No extension {extension_id} of loan {loan_id}", code="extension_not_found")
        check_version(extension.version, None, body.base_version)
        if extension.state != "requested":
            raise Conflict(f"Extension {extension_id} is {extension.state} already", code="extension_decided")
        extension.state = "approved" if body.approve else "rejected"
        extension.decided_by, extension.decided_on, extension.note = principal.id, china_today(), body.note
        extension.version += 1
        if body.approve:
            loan.extended_due_on = extension.due_on
            self._touched(loan)
        await self.session.flush()
        return loan, extension

    async def write_off(self, loan_id: uuid.UUID, body: WriteOff, principal: Principal) -> Loan:
        loan = await self.locked(loan_id, principal)
        check_version(loan.version, None, body.base_version)
        if loan.written_off_on is not None or loan.balance_fen == 0:
            raise Conflict(f"Loan {loan.id} is closed already", code="loan_closed")
        not_in_future(body.on, ["body", "on"])
        not_before_loan(loan, body.on, ["body", "on"])
        loan.written_off_on, loan.write_off_reason = body.on, body.reason
        self._touched(loan)
        await self.session.flush()
        return loan
