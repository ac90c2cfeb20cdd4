"""Threshold versions: the yearly lines and intervals an area sets."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, StrictBody, money, share, whole
from services.common.text import CleanText

Year = Annotated[int, *whole(2000, 2100)]


class ThresholdCreate(StrictBody):
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN,
        description="The area they apply to (a county, city or province, or 000000000000 for everywhere); "
        "the most specific area with a version for the year wins",
    )
    year: Year
    income_line: Annotated[Decimal, *money(1_000_000)] = Field(
        gt=0, description="监测标准: net income per person per year, yuan (e.g. 7000)"
    )
    large_expense_line: Annotated[Decimal, *money(10_000_000)] = Field(
        gt=0, description="刚性支出 line: medical plus schooling spending per household per year, yuan"
    )
    income_drop_share: Annotated[Decimal, *share()] | None = Field(
        default=None,
        description="收入骤减: a visit whose net income per person fell by more than this share of the "
        "household's previous visit raises income_drop (e.g. 0.3 for 30%); null: not watched",
    )
    spending_jump_line: Annotated[Decimal, *money(10_000_000)] | None = Field(
        default=None,
        gt=0,
        description="支出骤增: a visit whose rigid spending (medical plus schooling) rose by more than this "
        "many yuan over the household's previous visit raises spending_jump; null: not watched",
    )
    visit_interval_days: Annotated[int, *whole(1, 366)] = Field(
        default=90, description="A paired cadre visits each household at least this often (篇1: quarterly)"
    )
    exit_waiting_days: Annotated[int, *whole(0, 1000)] = Field(
        default=180, description="风险消除: how long the exit criteria must hold before exit is proposed"
    )
    alert_decision_days: Annotated[int, *whole(1, 366)] = Field(
        default=30, description="Days from the first alert to the county's decision before a case is overdue"
    )
    note: Annotated[CleanText, Field(max_length=500)] | None = Field(
        default=None, description="Where the figures come from, e.g. the provincial notice"
    )


class ThresholdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    year: int
    version: int = Field(description="1 for the first figures of an area and year, then 2, 3 …")
    income_line: Decimal
    large_expense_line: Decimal
    income_drop_share: Decimal | None = None
    spending_jump_line: Decimal | None = None
    visit_interval_days: int
    exit_waiting_days: int
    alert_decision_days: int
    note: str | None
    created_by: str
    created_at: datetime
