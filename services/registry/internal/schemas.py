"""What other services ask the registry on their caller's behalf, and its answers: ids, codes, household
numbers and the names of cadres and villages only, never residents' names or ID numbers."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

MAX_REFERENCES = 5000
MAX_NAMES = 5000


class ResolveRequest(BaseModel):
    national_ids: list[str] = Field(min_length=1, max_length=1000)


class CategoryPeriod(BaseModel):
    """A period of the household as 脱贫户 (escaped) or 监测户 (monitored): ``ends_on`` its last day."""

    category: str
    starts_on: date
    ends_on: date | None
    monitoring_type: str | None = Field(
        default=None,
        description="monitored: unstable 脱贫不稳定户, marginal 边缘易致贫户, sudden_hardship 突发严重困难户",
    )


class Resolved(BaseModel):
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    household_category: str = Field(description="Today's")
    alive: bool
    registered_on: date | None = Field(default=None, description="The household's: periods speak from then")
    category_periods: list[CategoryPeriod] = Field(
        default=[], description="So the category on another day is the registry's too (监测户 on D)"
    )


class ResolveResult(BaseModel):
    matches: list[Resolved | None] = Field(description="In the order asked; null: no living person in scope")


class LookupRequest(BaseModel):
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class LookupResult(BaseModel):
    people: list[Resolved] = Field(description="Those of the ids asked that are registered in scope")


class ReferencesRequest(BaseModel):
    household_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)
    person_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)
    cadre_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_REFERENCES)
    area_codes: list[str] = Field(
        default=[], max_length=MAX_REFERENCES, description="Village codes to resolve through merges"
    )


class HouseholdPlace(BaseModel):
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village now (after any move or merge)")
    registered_on: date | None = Field(default=None, description="From when the registry counts it")


class PersonPlace(BaseModel):
    person_id: uuid.UUID
    household_id: uuid.UUID


class CadreReach(BaseModel):
    cadre_id: uuid.UUID
    area_code: str = Field(description="The cadre's own area")
    paired_household_ids: list[uuid.UUID] = Field(
        description="Of the households asked, those the cadre is paired with now"
    )


class ReferencesResult(BaseModel):
    households: list[HouseholdPlace] = Field(description="Those asked that are registered in scope")
    people: list[PersonPlace] = Field(description="Those asked that are registered in scope")
    cadres: list[CadreReach] = Field(description="Of your area, or paired now with a household in it")
    deleted_household_ids: list[uuid.UUID] = Field(
        default=[], description="Those asked that were deleted while in scope"
    )
    moved_household_ids: list[uuid.UUID] = Field(
        default=[], description="Those asked that moved out of scope (where to is not said)"
    )
    successors: dict[str, str] = Field(
        default={}, description="Of the codes asked, merged-away villages whose last successor is in scope"
    )


class NamesRequest(BaseModel):
    household_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMES)
    cadre_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMES)
    area_codes: list[str] = Field(default=[], max_length=MAX_NAMES)


class HouseholdNumber(BaseModel):
    household_id: uuid.UUID
    number: str


class CadreName(BaseModel):
    cadre_id: uuid.UUID
    name: str


class AreaName(BaseModel):
    code: str
    name: str


class NamesResult(BaseModel):
    households: list[HouseholdNumber] = Field(description="Registered (not deleted) in scope")
    cadres: list[CadreName] = Field(description="Of your area, or ever paired with a household in it")
    areas: list[AreaName] = Field(description="In scope")


ROSTER_PAGE = 5000


class RosterRequest(BaseModel):
    """Households of an area on a day, by their category then (monitoring's plans and screening rounds)."""

    within: str = Field(pattern=r"^[0-9]{0,12}$", description="An area code prefix, narrowed to scope")
    on: date
    categories: list[str] | None = Field(
        default=None, description="escaped 脱贫户 / monitored 监测户 / ordinary 一般农户; none: all"
    )
    household_ids: list[uuid.UUID] | None = Field(default=None, max_length=ROSTER_PAGE)
    after: uuid.UUID | None = Field(default=None, description="Keyset: the last id of the previous page")
    limit: int = Field(default=ROSTER_PAGE, ge=1, le=ROSTER_PAGE)


class RosterHousehold(BaseModel):
    household_id: uuid.UUID
    area_code: str = Field(description="The household's village now")
    category: str = Field(description="On the day asked: monitored if a 监测户 period covers it, else …")


class RosterResult(BaseModel):
    households: list[RosterHousehold] = Field(description="By id; as many as `limit` means ask again")
