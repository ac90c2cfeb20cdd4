"""Village profile (村情) bodies: groups, group moves, the yearly profile and its figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from services.common.fields import whole
from services.common.text import IsoDate, NonBlankText

Mu = Annotated[float, Strict(), Field(ge=0, le=10_000_000, description="亩, to two decimals")]
Km = Annotated[float, Strict(), Field(ge=0, le=100_000, description="km, to two decimals")]
Year = Annotated[int, *whole(2000, 2100)]
GroupNumber = Annotated[int, *whole(1, 999)]
Facility = Annotated[NonBlankText, Field(max_length=100)]


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: GroupNumber = Field(description="The group's number in the village (一组 = 1)")
    name: NonBlankText = Field(max_length=50, examples=["一组"])


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    number: int
    name: str
    version: int
    created_at: datetime


class GroupWithCounts(GroupRead):
    households: int = Field(description="Households in the group on the day asked (as_of)")
    people: int = Field(description="Their members on that day")


class GroupMoveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: uuid.UUID | None = Field(description="The group it joins; null: it leaves its group")
    effective_on: IsoDate | None = Field(default=None, description="The day it takes effect (default today)")


class HouseholdGroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    household_id: uuid.UUID
    group_id: uuid.UUID
    area_code: str
    starts_on: date
    ends_on: date | None = Field(description="Its last day in the group; null while it is there")


class ProfileWrite(BaseModel):
    """The typed part of a village's profile for a year; the household figures are never typed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    base_version: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="The version read; omit only to create it"
    )
    arable_mu: Mu | None = Field(default=None, description="耕地面积 (亩)")
    forest_mu: Mu | None = Field(default=None, description="林地面积 (亩)")
    grain_to_green_mu: Mu | None = Field(default=None, description="退耕还林面积 (亩)")
    road_hardened_km: Km | None = Field(default=None, description="硬化公路 (km)")
    road_dirt_km: Km | None = Field(default=None, description="普通泥土公路 (km)")
    water: NonBlankText | None = Field(
        default=None, max_length=2000, description="饮水 (水源、工程) in words"
    )
    facilities: list[Facility] = Field(default_factory=list, max_length=100, description="公共设施")
    note: NonBlankText | None = Field(default=None, max_length=2000)


class HousingCounts(BaseModel):
    brick: int = Field(description="砖房")
    adobe: int = Field(description="土坯房/土墙房")
    bought_in_town: int = Field(description="进城入镇购房")
    other: int = Field(description="其他")
    not_recorded: int = Field(description="住房未登记: the parts need not add up to the households")


class ProgrammeCount(BaseModel):
    households: int
    people: int


class ProfileFigures(BaseModel):
    """Counted from the registry as things stood on ``as_of``."""

    households: int
    people: int
    groups: int = Field(description="村民小组 of the village on that day")
    housing: HousingCounts = Field(description="By the housing type recorded now")
    water_unsafe: int = Field(description="Households whose drinking water is recorded unsafe (饮水困难)")
    poor: ProgrammeCount = Field(description="贫困户 (脱贫户 and 监测户 periods) on that day")
    dibao: ProgrammeCount = Field(description="低保 on that day")
    wubao: ProgrammeCount = Field(description="特困供养/五保 on that day")


class ProfileRead(BaseModel):
    area_code: str
    name: str
    year: int
    as_of: date
    version: int | None = Field(description="The version of the typed part in force (null: none typed)")
    typed_year: int | None = Field(
        description="The year the typed part is for: an earlier one when none was typed for this year"
    )
    valid_from: date | None = Field(description="The day the typed part is in force from (a merge's date)")
    merged_from: list[str] = Field(description="Villages merged into this one by as_of")
    arable_mu: float | None
    forest_mu: float | None
    grain_to_green_mu: float | None
    road_hardened_km: float | None
    road_dirt_km: float | None
    road_km: float | None = Field(description="Hardened and dirt roads together (when both are known)")
    water: str | None
    facilities: list[str]
    note: str | None
    figures: ProfileFigures


class ProfileRow(BaseModel):
    """One village's profile in a report: flat, one row of the 村情 sheet."""

    area_code: str
    year: int = Field(description="The year its land and roads were typed for (the latest up to as_of's)")
    arable_mu: float | None
    forest_mu: float | None
    grain_to_green_mu: float | None
    road_hardened_km: float | None
    road_dirt_km: float | None
    groups: int
    households: int
    people: int
    housing_brick: int
    housing_adobe: int
    housing_bought_in_town: int
    housing_not_recorded: int
    water_unsafe: int
    poor_households: int
    poor_people: int
    dibao_households: int
    wubao_households: int


class ProfileStats(BaseModel):
    area_code: str
    as_of: date
    villages: list[ProfileRow] = Field(description="Each village in the area (merged-away ones left out)")


class GroupPairingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="Client UUID; a retry returns the first result")
    group_id: uuid.UUID
    starts_on: IsoDate | None = Field(default=None, description="Defaults to today")


class GroupPairingEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ends_on: IsoDate | None = Field(default=None, description="Defaults to today")


class GroupPairingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cadre_id: uuid.UUID
    group_id: uuid.UUID
    area_code: str
    starts_on: date
    ends_on: date | None
    households: int = Field(description="Households the pairing covers now")


class ProfileTyped(BaseModel):
    """The typed part of a profile (the phones count the rest from the households they hold)."""

    model_config = ConfigDict(from_attributes=True)

    year: int
    version: int
    valid_from: date
    arable_mu: float | None
    forest_mu: float | None
    grain_to_green_mu: float | None
    road_hardened_km: float | None
    road_dirt_km: float | None
    water: str | None
    facilities: list[str]
    note: str | None


class VillageSync(BaseModel):
    """A village in the sync feed: its groups and its profile in force today (replace what you hold)."""

    area_code: str
    name: str
    groups: list[GroupRead]
    profile: ProfileTyped | None
