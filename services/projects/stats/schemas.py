"""Project figures of an area on a date: counts and money (fen) by sector, by source, by state."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class SectorFigures(BaseModel):
    sector: str
    label: str
    projects: int = Field(description="Projects in the library (not cancelled)")
    budget_fen: int
    received_fen: int = Field(description="到位")
    paid_fen: int = Field(description="支付")


class SourceFigures(BaseModel):
    source: str
    label: str
    budget_fen: int
    received_fen: int
    paid_fen: int


class StateCount(BaseModel):
    state: str
    label: str
    projects: int


class CounterpartShare(BaseModel):
    """篇4's rule: at least 80% of counterpart support (对口支援/援疆) received goes to grassroots and to
    livelihood projects (each)."""

    received_fen: int
    grassroots_fen: int
    livelihood_fen: int
    grassroots_share: float | None = Field(description="0–1; null when nothing was received")
    livelihood_share: float | None
    rule_share: float = Field(description="The share the rule asks for, each side")
    meets_rule: bool | None = Field(
        description="Both shares at least the rule's; null when nothing was received"
    )


class ChildFigures(BaseModel):
    area_code: str
    projects: int
    budget_fen: int
    received_fen: int
    paid_fen: int


class ProjectStats(BaseModel):
    area_code: str
    as_of: date
    projects: int
    budget_fen: int
    received_fen: int
    paid_fen: int
    by_sector: list[SectorFigures]
    by_source: list[SourceFigures]
    by_state: list[StateCount]
    counterpart: CounterpartShare
    children: list[ChildFigures] = Field(description="Each area one level down that has projects")


class KindFigures(BaseModel):
    kind: str
    label: str
    assets: int = Field(description="Held on the date (formed, not disposed of)")
    value_fen: int


class OwnerFigures(BaseModel):
    owner_type: str = Field(description="As titled now (确权); `untitled` before")
    label: str
    assets: int


class AssetChecks(BaseModel):
    year: int
    due: int = Field(description="Assets held at the year's start: each owes the year's check by 31 March")
    done: int = Field(description="Checks of the year done by the date")
    problems: int = Field(description="Of them, checks that found a problem")


class Distributed(BaseModel):
    households_fen: int = Field(description="分红到户")
    posts_fen: int = Field(description="公益岗位工资")
    village_fen: int = Field(description="村集体")
    other_fen: int


class AssetStats(BaseModel):
    """Assets of an area on a date (资产台账汇总), from the rollups (sql/041_asset_deltas.sql)."""

    area_code: str
    as_of: date
    assets: int
    value_fen: int
    by_kind: list[KindFigures]
    by_owner: list[OwnerFigures]
    checks: AssetChecks = Field(description="The yearly check (核查清算) of the date's year")
    income_fen: int = Field(description="Income of the years ended by the date")
    distributed: Distributed = Field(description="Distributions in effect by the date")
    distributed_fen: int
