"""Household and person bodies: XCreate / XUpdate / XRead, never the table models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict, StringConstraints

from services.common.fields import Bool, Float, StrictBody, Version, whole
from services.common.text import CleanText, IsoDate, NonBlankText
from services.registry.codes import (
    DrinkingWater,
    Health,
    HouseholdCategory,
    HousingGrade,
    HousingType,
    LabourAbility,
    PersonMoveReason,
    Programme,
    Relation,
    Schooling,
    Sex,
)

# The format is described, not published as a pattern: the service checks it and says exactly what is
# wrong (length, check digit, birth date), and a batch answers such an item on its own.
# Not stripped by the model: the service normalises it and says what is wrong with it.
IdNumberText = Annotated[str, StringConstraints(strip_whitespace=False)]
ID_DESCRIPTION = (
    "18-character resident ID number (17 digits and a digit or X; GB 11643 check digit, birth date and "
    "sex checked); stored encrypted"
)
VILLAGE_CODE_PATTERN = r"^[0-9]{12}$"
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9-]{4,19}$", max_length=20, examples=["13912345678"])]


Grade = Annotated[int, *whole(1, 4)]
GroupNo = Annotated[int, *whole(1, 999)]
Year = Annotated[int, *whole(2013, 2100)]
Mu = Annotated[float, Strict(), Field(ge=0, le=100_000, description="亩, to two decimals")]


class PersonFields(StrictBody):
    """What a cadre records about a person; every field may be changed later."""

    name: NonBlankText = Field(max_length=50, examples=["王秀英"])
    relation: Relation = Field(description=Relation.describe())
    health: Health = Field(default=Health.healthy, description=Health.describe())
    disability_grade: Grade | None = Field(default=None, description="1–4, only when disabled")
    labour_ability: LabourAbility | None = Field(default=None, description=LabourAbility.describe())
    schooling: Schooling | None = Field(default=None, description=Schooling.describe())
    medical_insured: Bool | None = Field(default=None, description="Has basic medical insurance (参保)")
    phone: Phone | None = None


class PersonCreate(PersonFields):
    id: uuid.UUID | None = Field(default=None, description="The phone's UUID for a person made offline")
    national_id: IdNumberText = Field(
        min_length=1,
        max_length=32,
        description=ID_DESCRIPTION,
        examples=["610924199001011234"],
    )
    birth_date: IsoDate | None = Field(default=None, description="If given, must match the ID number")
    sex: Sex | None = Field(default=None, description="If given, must match the ID number")
    registered_on: IsoDate | None = Field(default=None, description="Registered in this household since")


class MemberCreate(PersonCreate):
    """A member registered together with a new household."""


class PersonUpdate(StrictBody):
    """Change some fields; send the version you read as ``base_version`` or in If-Match."""

    base_version: Version | None = None
    name: NonBlankText | None = Field(default=None, max_length=50)
    national_id: IdNumberText | None = Field(
        default=None, min_length=1, max_length=32, description=ID_DESCRIPTION
    )
    relation: Relation | None = None
    health: Health | None = None
    disability_grade: Grade | None = None
    labour_ability: LabourAbility | None = None
    schooling: Schooling | None = None
    medical_insured: Bool | None = None
    phone: Phone | None = None
    deceased_on: IsoDate | None = Field(
        default=None, description="Date of death (the person stays on record)"
    )


class PersonMove(StrictBody):
    """Move a person to another household (marriage, a household splitting up …)."""

    base_version: Version | None = None
    to_household_id: uuid.UUID
    reason: PersonMoveReason = Field(description=PersonMoveReason.describe())
    effective_on: IsoDate | None = Field(default=None, description="Defaults to today")
    relation: Relation = Field(description="Relation to the new household's head")


class PersonRead(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    name: str
    national_id: str = Field(description="Masked (first 6 + last 4) unless your role may see ID numbers")
    national_id_masked: bool
    birth_date: date
    sex: Sex
    relation: Relation
    health: Health
    disability_grade: int | None
    labour_ability: LabourAbility | None
    schooling: Schooling | None
    medical_insured: Bool | None
    phone: str | None
    registered_on: date
    deceased_on: date | None
    deleted: bool
    version: int
    created_at: datetime
    updated_at: datetime


class HouseholdFields(StrictBody):
    group_no: GroupNo | None = Field(default=None, description="村民小组 number in the village")
    address: CleanText | None = Field(default=None, max_length=200)
    latitude: Float | None = Field(default=None, ge=-90, le=90)
    longitude: Float | None = Field(default=None, ge=-180, le=180)
    phone: Phone | None = None
    housing_type: HousingType | None = Field(default=None, description=HousingType.describe())
    housing_grade: HousingGrade | None = Field(default=None, description="Safety grade; C and D are unsafe")
    drinking_water: DrinkingWater | None = Field(default=None, description=DrinkingWater.describe())
    cultivated_land_mu: Mu | None = Field(default=None, description="耕地 (亩)")
    forest_land_mu: Mu | None = Field(default=None, description="林地 (亩)")
    poverty_exit_year: Year | None = Field(default=None, description="脱贫年度")


# 监测户 is set and lifted only by monitoring's cases (services/registry/programmes/monitored.py).
CATEGORY_TEXT = (
    f"{HouseholdCategory.describe()}. Never set or changed to or from `monitored` here (422 "
    "`category_follows_cases`): a household becomes 监测户 when the county enrols its case (past cases: "
    "POST /api/v1/case-imports) and stops being one when its risk is eliminated; sending the category "
    "it already has is fine"
)


class HouseholdProgramme(StrictBody):
    """A programme period registered together with a new household."""

    programme: Programme = Field(description="Not `escaped` (it follows `category`) nor `monitored` (a case)")
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    person_id: uuid.UUID | None = Field(
        default=None, description="A member's `id` from this request; none = all"
    )


class HouseholdCreate(HouseholdFields):
    id: uuid.UUID | None = Field(default=None, description="The phone's UUID for a household made offline")
    number: str = Field(pattern=r"^[0-9A-Za-z-]{4,32}$", description="Household number (户编号)")
    area_code: str = Field(pattern=VILLAGE_CODE_PATTERN, description="The village (行政村) code")
    category: HouseholdCategory = Field(default=HouseholdCategory.ordinary, description=CATEGORY_TEXT)
    registered_on: IsoDate | None = Field(default=None, description="Registered since (defaults to today)")
    members: list[MemberCreate] = Field(
        default_factory=list, max_length=30, description="Members; the one with relation `head` is 户主"
    )
    programmes: list[HouseholdProgramme] = Field(default_factory=list, max_length=20)


class HouseholdBatch(StrictBody):
    """Households registered offline, sent together (each with its phone's `id`, so a retry is safe)."""

    items: list[HouseholdCreate] = Field(min_length=1, max_length=500)


class BatchItemResult(BaseModel):
    index: int
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden", "rate_limited"] = Field(
        description="rate_limited: not tried, the caller is past its limit of answers about numbers "
        "registered outside its area (send it again after the error's Retry-After seconds)"
    )
    id: uuid.UUID | None = None
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")
    household: HouseholdRead | None = Field(
        default=None,
        description="For a created or duplicate item: the household as stored — its version, members "
        "with their ids, masked ID numbers and the birth date and sex read from them — so a phone "
        "needn't wait for the next sync to learn what the server decided",
    )


class BatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[BatchItemResult]


class HouseholdUpdate(HouseholdFields):
    """Change some fields; send the version you read as ``base_version`` or in If-Match."""

    base_version: Version | None = None
    category: HouseholdCategory | None = Field(default=None, description=CATEGORY_TEXT)
    head_person_id: uuid.UUID | None = None


class HouseholdMove(StrictBody):
    base_version: Version | None = None
    to_area_code: str = Field(pattern=VILLAGE_CODE_PATTERN, description="The new village")
    effective_on: IsoDate | None = Field(default=None, description="Defaults to today")


class HouseholdDelete(StrictBody):
    base_version: Version | None = None
    reason: CleanText = Field(min_length=2, max_length=200, description="Why (e.g. registered twice)")


class HouseholdSummary(BaseModel):
    id: uuid.UUID
    number: str
    area_code: str
    group_no: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    phone: str | None
    housing_type: HousingType | None
    housing_grade: HousingGrade | None
    drinking_water: DrinkingWater | None
    cultivated_land_mu: float | None
    forest_land_mu: float | None
    category: HouseholdCategory
    poverty_exit_year: int | None
    head_person_id: uuid.UUID | None
    registered_on: date
    deleted: bool
    version: int
    created_at: datetime
    updated_at: datetime


class HouseholdRead(HouseholdSummary):
    members: list[PersonRead]


class HistoryEntry(BaseModel):
    id: int
    occurred_at: datetime
    entity_type: str
    entity_id: uuid.UUID
    action: str = Field(description="created, changed or deleted")
    version: int | None
    area_code: str
    changes: dict[str, list[object]] | None = Field(description="{field: [old, new]}")
    actor: str | None
    actor_name: str | None
    reason: str | None
