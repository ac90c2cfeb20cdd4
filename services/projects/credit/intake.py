"""The banks' feed (银行小额信贷数据): loans and repayments pushed in batches on the one batch intake
(services/common/intake), each kept once by the bank's own record id, each answered alone.

A loan's borrower is named by ID number: the registry matches it to a living person in the bank's own
area (its blind index; the number is never stored here, and the digest that recognises a retry holds
the person's id in its place). A repayment names its loan by the bank's record id of the loan; each is
taken in a savepoint of its own with the loan locked, so a batch can never repay more than a balance."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, FangpinError, ValidationFailed
from services.common.ids import new_id
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.projects.credit.models import Loan
from services.projects.credit.repository import CreditRepository
from services.projects.credit.schemas import FeedBatchResult, FeedResult, LoanPush, RepaymentPush
from services.projects.credit.service import LoanService, not_in_future, report_overdue

Resolver = Callable[[list[str]], Awaitable[list[dict[str, Any] | None]]]


def _digest(content: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).digest()


def _raw_record_id(raw: Any) -> str | None:
    if isinstance(raw, LoanPush | RepaymentPush):
        return raw.record_id
    record_id = raw.get("record_id") if isinstance(raw, dict) else None
    return record_id if isinstance(record_id, str) and len(record_id) <= 64 else None


@dataclass(eq=False)
class _Item(Entry):
    match: dict[str, Any] | None = None  # a loan's borrower, as the registry answered
    loan: Loan | None = None  # a repayment's loan
    loan_id: uuid.UUID | None = None


class _FeedIntake(BatchIntake[_Item, FeedResult]):
    result_model = FeedResult
    entry_type = _Item
    key_field = "record_id"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CreditRepository(session)

    def raw_key(self, raw: Any) -> str | None:
        return _raw_record_id(raw)

    def conflict(self, key: str) -> Conflict:
        return Conflict(f"Record {key} was already received with other content", code="record_id_in_use")

    def created_fields(self, entry: _Item) -> dict[str, Any]:
        return {"loan_id": entry.loan_id}

    async def take(self, raws: list[Any], principal: Principal) -> FeedBatchResult:
        items = await self.answer_items(raws, principal)
        # Whatever the feed taught (a loan lent long ago, unpaid), each overdue loan is reported once.
        reported = await report_overdue(self.session, principal.scope_prefix)
        return FeedBatchResult(
            **summary(items, unknown_ids="unknown_id"), overdue_reported=reported, items=items
        )


class LoanFeedIntake(_FeedIntake):
    model = LoanPush
    items_field = "loans"
    invalid_detail = "Loan {index} is not valid"

    def __init__(self, session: AsyncSession, resolve: Resolver) -> None:
        super().__init__(session)
        self.resolve = resolve

    def check(self, item: LoanPush, loc: list[str | int]) -> None:
        not_in_future(item.starts_on, [*loc, "starts_on"])

    async def identify(self, entries: list[_Item], refuse: Refuse) -> None:
        """Each borrower by ID number in the bank's own area: unknown_id if no living person has it."""
        if not entries:
            return
        matches = await self.resolve([e.item.national_id for e in entries])
        for e, match in zip(entries, matches, strict=True):
            if match is None or not match.get("alive", True):
                refuse(e, "unknown_id")
            e.match = match

    def digest(self, entry: _Item) -> bytes:
        # The person's id stands in for the ID number: a hash of a number this short could be reversed.
        person = entry.match["person_id"] if entry.match else None
        return _digest(entry.item.model_dump(mode="json", exclude={"national_id"}) | {"person": person})

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        rows = await self.repository.stored_records(self.principal.id, keys)
        return {k: digest for k, (digest, _) in rows.items()}

    async def insert(self, entries: list[_Item]) -> set[str]:
        rows = []
        for e in sorted(entries, key=lambda e: str(e.key)):
            assert e.match is not None  # identified
            e.loan_id = new_id()
            item: LoanPush = e.item
            rows.append(
                item.model_dump(exclude={"national_id"})
                | {
                    "id": e.loan_id,
                    "sender_id": self.principal.id,
                    "request_sha256": e.digest,
                    "person_id": uuid.UUID(str(e.match["person_id"])),
                    "household_id": uuid.UUID(str(e.match["household_id"])),
                    "area_code": e.match["area_code"],
                    "created_by": self.principal.id,
                }
            )
        return await self.repository.insert_loans(rows)


class RepaymentFeedIntake(_FeedIntake):
    model = RepaymentPush
    items_field = "repayments"
    invalid_detail = "Repayment {index} is not valid"

    def digest(self, entry: _Item) -> bytes:
        return _digest(entry.item.model_dump(mode="json"))

    async def stored(self, keys: list[str]) -> dict[str, bytes]:
        return await self.repository.stored_repayments(self.principal.id, keys)

    async def admit(self, entries: list[_Item], refuse: Refuse) -> None:
        """Each repayment's loan: one this bank sent, in its area."""
        loans = await self.repository.by_records(
            self.principal.id, list({e.item.loan_record_id for e in entries}), self.principal.scope_prefix
        )
        for e in entries:
            loan = loans.get(e.item.loan_record_id)
            if loan is None:
                msg = f"No loan {e.item.loan_record_id} of yours in your area"
                refuse(e, ValidationFailed.field([*e.loc, "loan_record_id"], msg, "loan_not_found"))
            e.loan = loan

    async def insert(self, entries: list[_Item]) -> set[str]:
        """In the order of the items (a loan's repayments in the order the bank sent them), each in a
        savepoint with its loan locked and checked against the balance as it is then."""
        service, inserted = LoanService(self.session), set[str]()
        for e in sorted(entries, key=lambda e: e.index):
            assert e.loan is not None
            item: RepaymentPush = e.item
            async with self.session.begin_nested() as savepoint:
                try:
                    loan = await service.locked(e.loan.id, self.principal)
                    service.check_repayment(loan, item.amount_fen, item.paid_on, e.loc)
                    values = {
                        "id": new_id(),
                        "sender_id": self.principal.id,
                        "record_id": item.record_id,
                        "request_sha256": e.digest,
                    }
                    if await service.insert_repayment(
                        loan, values, item.amount_fen, item.paid_on, self.principal
                    ):
                        inserted.add(item.record_id)
                        e.loan_id = loan.id
                except FangpinError as exc:
                    await savepoint.rollback()
                    self.refuse(e, exc)
        return inserted
