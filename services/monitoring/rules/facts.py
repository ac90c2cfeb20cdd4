"""What the risk rules read: one household's latest facts and the thresholds in force. Plain, frozen
data so the rules stay pure functions that a test (or a cadre reading a reason) can follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Thresholds:
    """One version of the lines a county (or a wider area) set for one year."""

    id: uuid.UUID
    area_code: str
    year: int
    version: int
    income_line: Decimal  # 人均纯收入 monitoring line, yuan per person per year
    large_expense_line: Decimal  # rigid spending (medical + schooling) per household per year
    income_drop_share: Decimal | None = None  # 收入骤减: a fall of more than this share; None: not watched
    spending_jump_line: Decimal | None = None  # 支出骤增: a rise of more than this, yuan; None: not watched

    @property
    def source(self) -> str:
        """Which version a reason compared against, e.g. "（610924000000 2025年标准第2版）"."""
        return f"（{self.area_code} {self.year}年标准第{self.version}版）"


@dataclass(frozen=True)
class Child:
    name: str
    age: int
    schooling: str  # codes.Schooling
    person_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Person:
    name: str
    insured: bool
    person_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Water:
    enough: bool
    quality_ok: bool
    convenient: bool
    reliable: bool


@dataclass(frozen=True)
class Income:
    """The past 12 months, yuan."""

    wages: Decimal = Decimal(0)
    business: Decimal = Decimal(0)
    property_income: Decimal = Decimal(0)  # 财产性收入
    transfer: Decimal = Decimal(0)
    business_costs: Decimal = Decimal(0)
    # Components raised to what projects' beneficiary payments recorded for the year (利益联结), with the
    # recorded amount: the reason says so.
    recorded: tuple[tuple[str, Decimal], ...] = ()

    @property
    def net(self) -> Decimal:
        return self.wages + self.business + self.property_income + self.transfer - self.business_costs


@dataclass(frozen=True)
class RiskEvent:
    kind: str  # codes.RiskEventKind
    happened_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class PreviousVisit:
    """What the household's previous visit found, for the sharp-drop rules to compare against."""

    observed_on: date
    income_per_person: Decimal | None  # None: that visit recorded no income
    rigid_spending: Decimal  # medical + schooling


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: uuid.UUID
    observed_on: date
    size: int  # people counted for per-person income
    food_secure: bool = True
    clothing_secure: bool = True
    children: tuple[Child, ...] = ()
    people: tuple[Person, ...] = ()
    housing_grade: str | None = None  # A–D
    water: Water | None = None
    income: Income | None = None
    medical_expense: Decimal = Decimal(0)
    schooling_expense: Decimal = Decimal(0)
    risk_events: tuple[RiskEvent, ...] = field(default=())
    previous: PreviousVisit | None = None  # the household's latest visit before this one

    @property
    def income_per_person(self) -> Decimal | None:
        return self.income.net / self.size if self.income is not None and self.size >= 1 else None

    @property
    def rigid_spending(self) -> Decimal:
        return self.medical_expense + self.schooling_expense
