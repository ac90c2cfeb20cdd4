"""Micro-credit's request and response bodies. Money is integer fen; rates are basis points a year
(1/10000: 4.35% is 435)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import Bool, StrictBody, Version, whole
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText
from services.projects.credit.codes import ExtensionState, LoanState
from services.projects.schemas import PositiveFen

Bp = Annotated[int, *whole(0, 10_000)]
RecordId = Annotated[
    NonBlankText, Field(max_length=64, description="The bank's own id of the record (a retry repeats it)")
]
Bank = Annotated[NonBlankText, Field(max_length=100, description="The lending bank (放贷银行)")]
Purpose = Annotated[
    NonBlankText, Field(max_length=200, description="What it funds: the industry (e.g. 养殖 肉牛)")
]
Text = Annotated[NonBlankText, Field(max_length=500)]
NATIONAL_ID = r"^[0-9]{17}[0-9Xx]$"


class LoanTerms(StrictBody):
    """A loan's terms, as the bank made it."""

    bank: Bank
    amount_fen: PositiveFen = Field(description="The amount lent (贷款金额), fen")
    rate_bp: Bp = Field(description="The yearly interest rate, basis points (4.35% = 435)")
    subsidy_bp: Bp = Field(
        default=0, description="The interest subsidy (贴息), basis points a year; at most the rate"
    )
    purpose: Purpose
    starts_on: IsoDate = Field(description="The day it was lent (放款日); not in the future")
    due_on: IsoDate = Field(description="The day it falls due (到期日), after starts_on")

    @model_validator(mode="after")
    def _consistent(self) -> Any:
        if self.due_on <= self.starts_on:
            raise ValueError("due_on must be after starts_on")
        if self.subsidy_bp > self.rate_bp:
            raise ValueError("subsidy_bp cannot exceed rate_bp")
        return self


class LoanCreate(LoanTerms):
    """A loan entered by hand, its borrower a registry person in your area."""

    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    person_id: uuid.UUID = Field(description="The borrower: a member of a household in your area")


class LoanPush(LoanTerms):
    """A loan from a bank's system: the borrower by ID number, matched in your area and never stored."""

    record_id: RecordId
    national_id: str = Field(
        pattern=NATIONAL_ID, description="The borrower's ID number: matched, never stored"
    )


LoanItem = Annotated[dict[str, Any], CheckedAlone(LoanPush)]


class LoanBatch(StrictBody):
    loans: list[LoanItem] = Field(min_length=1, max_length=1000)


class RepaymentCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    amount_fen: PositiveFen = Field(description="Repaid principal (还本), fen; at most the balance")
    paid_on: IsoDate = Field(description="The day; not in the future, not before the loan")


class RepaymentPush(StrictBody):
    record_id: RecordId
    loan_record_id: RecordId = Field(description="The bank's record id of the loan (sent in its loans)")
    amount_fen: PositiveFen = Field(description="Repaid principal (还本), fen; at most the balance")
    paid_on: IsoDate = Field(description="The day; not in the future, not before the loan")


RepaymentItem = Annotated[dict[str, Any], CheckedAlone(RepaymentPush)]


class RepaymentBatch(StrictBody):
    repayments: list[RepaymentItem] = Field(min_length=1, max_length=1000)


class FeedResult(BaseModel):
    index: int
    record_id: str | None = None
    status: Literal["created", "duplicate", "conflict", "invalid", "unknown_id"]
    loan_id: uuid.UUID | None = Field(default=None, description="Our id of the loan (created items)")
    error: dict | None = None


class FeedBatchResult(BaseModel):
    created: int
    duplicates: int
    unknown_ids: int = Field(description="Loans whose ID number matches no living person in your area")
    failed: int
    overdue_reported: int = Field(description="Loans of your area found overdue now (each reported once)")
    items: list[FeedResult]


class ExtensionCreate(StrictBody):
    """An extension (展期) asked for; the county approves it or not."""

    id: uuid.UUID = Field(description="Your UUID of the request: sent again, it is the same request")
    due_on: IsoDate = Field(description="The new due date: after the loan's current one")
    reason: Text


class ExtensionDecision(StrictBody):
    base_version: Version
    approve: Bool = Field(description="true: the loan falls due on the new date; false: it does not")
    note: Text | None = None


class WriteOff(StrictBody):
    base_version: Version
    on: IsoDate = Field(description="The day written off (核销); not in the future, not before the loan")
    reason: Text


class RepaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    record_id: str | None
    amount_fen: int
    paid_on: date
    created_by: str


class ExtensionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    loan_id: uuid.UUID
    due_on: date
    reason: str
    state: ExtensionState
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_on: date | None
    note: str | None
    version: int


class LoanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    record_id: str | None = Field(description="The bank's record id (null: entered by hand)")
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    bank: str
    amount_fen: int
    rate_bp: int
    subsidy_bp: int
    purpose: str
    starts_on: date
    due_on: date = Field(description="As lent")
    extended_due_on: date | None = Field(description="The approved extension's (展期) due date")
    current_due_on: date
    repaid_fen: int
    balance_fen: int
    repaid_on: date | None = Field(description="The day the balance reached zero")
    written_off_on: date | None
    overdue_reported_on: date | None = Field(description="The day monitoring was told it is overdue")
    state: LoanState = Field(description=LoanState.describe())
    days_to_due: int = Field(description="Days from today to the current due date (negative: past it)")
    created_by: str
    version: int


class LoanDetail(LoanRead):
    repayments: list[RepaymentRead] = []
    extensions: list[ExtensionRead] = []


class ScanResult(BaseModel):
    overdue_reported: int = Field(description="Loans found overdue now, each reported to monitoring once")


class CreditFigures(BaseModel):
    outstanding_count: int = Field(description="Loans with a balance (存量贷款笔数)")
    outstanding_fen: int = Field(description="Their balance (存量贷款余额), fen")
    due_soon_count: int = Field(description="Of them, due within the warning days (即将到期)")
    due_soon_fen: int
    overdue_count: int = Field(description="Past their due date with a balance (逾期)")
    overdue_fen: int
    repaid_on_time: int = Field(description="Repaid in full by their due date (按期结清)")
    repaid_late: int = Field(description="Repaid in full after it")
    written_off_count: int
    written_off_fen: int


class _Area(BaseModel):
    area_code: str


class _AreaOn(_Area):
    as_of: date
    warning_days: int = Field(description="Due within this many days is 即将到期")


class ChildCredit(CreditFigures, _Area):  # the area first, then its figures
    pass


class CreditStats(CreditFigures, _AreaOn):
    children: list[ChildCredit] = Field(description="Each child area with loans")
