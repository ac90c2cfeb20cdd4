"""Door-to-door inspections (入户排查) as the phone posts them, and the answers it gets back."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, Bool, Float, StrictBody, money, whole
from services.common.openapi import CheckedAlone
from services.common.text import CleanText, IsoDate, NonBlankText
from services.monitoring.codes import RiskEventKind, Schooling

Name = Annotated[NonBlankText, Field(max_length=50)]
Note = Annotated[CleanText, Field(max_length=500)]
Money = Annotated[Decimal, *money()]


class ChildAnswer(StrictBody):
    """A child of compulsory-education age (6–15) and where they are at school."""

    person_id: uuid.UUID | None = None
    name: Name
    age: Annotated[int, *whole(0, 25)]
    schooling: Schooling = Field(description=Schooling.describe())
    school: Annotated[CleanText, Field(max_length=100)] | None = None


class InsuranceAnswer(StrictBody):
    """One member's basic medical insurance (基本医疗保险)."""

    person_id: uuid.UUID | None = None
    name: Name
    insured: Bool


class WaterAnswer(StrictBody):
    """饮水安全: quantity, quality, convenience, reliability."""

    enough: Bool
    quality_ok: Bool
    convenient: Bool
    reliable: Bool


class IncomeAnswer(StrictBody):
    """The past 12 months, yuan."""

    wages: Money = Decimal(0)
    business: Money = Decimal(0)
    property: Money = Decimal(0)
    transfer: Money = Decimal(0)
    business_costs: Money = Decimal(0)


class ExpenseAnswer(StrictBody):
    """Large rigid spending in the past 12 months, yuan (after reimbursement)."""

    medical: Money = Decimal(0)
    schooling: Money = Decimal(0)


class RiskEventAnswer(StrictBody):
    kind: RiskEventKind = Field(description=RiskEventKind.describe())
    person_id: uuid.UUID | None = None
    happened_on: IsoDate | None = None
    note: Note | None = None


class Location(StrictBody):
    latitude: Annotated[Float, Field(ge=-90, le=90)]
    longitude: Annotated[Float, Field(ge=-180, le=180)]
    accuracy_m: Annotated[Float, Field(ge=0, le=100_000)] | None = None


class InspectionCreate(StrictBody):
    """One visit as recorded on the phone; ``id`` is the phone's UUID, so a retry is recognised."""

    id: uuid.UUID = Field(description="Made by the phone when the visit was recorded")
    household_id: uuid.UUID
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The household's village, as synced")
    visited_at: AwareDatetime = Field(description="The phone's clock at the visit, with its UTC offset")
    cadre_id: uuid.UUID | None = Field(
        default=None,
        description="The paired cadre (帮扶责任人) who made the visit; counts for visit compliance",
    )
    location: Location | None = None
    household_size: Annotated[int, *whole(1, 50)] = Field(description="People counted for per-person income")
    food_secure: Bool = Field(description="不愁吃")
    clothing_secure: Bool = Field(description="不愁穿")
    children: list[ChildAnswer] = Field(default_factory=list, max_length=20)
    medical_insurance: list[InsuranceAnswer] = Field(default_factory=list, max_length=50)
    housing_grade: Literal["A", "B", "C", "D"] | None = Field(default=None, description="住房安全等级")
    water: WaterAnswer | None = None
    income: IncomeAnswer | None = None
    large_expenses: ExpenseAnswer = Field(default_factory=ExpenseAnswer)
    risk_events: list[RiskEventAnswer] = Field(default_factory=list, max_length=20)
    note: Note | None = None


MAX_BATCH = 1000

# Each item is checked alone (a bad one is answered invalid, never fatal to the batch), so the body
# takes any objects; documented as the InspectionCreate each must be.
BatchItem = Annotated[dict[str, Any], CheckedAlone(InspectionCreate)]


class InspectionBatch(StrictBody):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class FindingRead(BaseModel):
    code: str
    severity: str
    reason: str = Field(description="Why, in words a cadre can check, naming the threshold version used")
    rule_version: str
    threshold_id: uuid.UUID | None
    threshold_version: int | None


ItemStatus = Literal["created", "duplicate", "conflict", "invalid", "forbidden"]


class InspectionItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: ItemStatus
    findings: list[FindingRead] | None = Field(default=None, description="For a created item")
    area_code: str | None = Field(
        default=None,
        description="For a created item: the village it was stored in, the household's now (it differs "
        "from the one sent after a move, or when the one sent was merged into another)",
    )
    superseded: bool | None = Field(
        default=None,
        description="For a created item: a later visit of the household had already arrived (or came in "
        "the same batch), so this one is kept with its findings but raises no alert",
    )
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class InspectionBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[InspectionItemResult]


class DataCheckRead(BaseModel):
    code: str = Field(
        description="household_size_differs: the visit typed another household size than "
        "the registry's members that day"
    )
    severity: str
    reason: str = Field(description="What differs, in words a cadre can check")
    rule_version: str


class InspectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    inspector_id: str
    inspector_name: str
    cadre_id: uuid.UUID | None
    visited_at: datetime
    latitude: float | None
    longitude: float | None
    answers: dict[str, Any]
    findings: list[FindingRead]
    ruleset_version: str
    threshold_id: uuid.UUID | None
    superseded: bool = Field(description="A later visit of the household had already arrived; no alerts")
    received_at: datetime
    checks: list[DataCheckRead] = Field(
        default_factory=list,
        description="Data checks against the registry (数据核验), judged when read: answers that disagree "
        "with what the registry records on the visit's day (household_size against its members). They "
        "raise no alert, and the people monitoring counts are the registry's, never household_size",
    )
