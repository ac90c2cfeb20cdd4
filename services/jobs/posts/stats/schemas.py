"""Public-welfare post figures of an area on a date: counts only, no person named."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.jobs.posts.schemas import FundingSource, PostType


class PlaceCounts(BaseModel):
    posts: int = Field(description="Posts in force")
    places: int = Field(description="Their places (capacity)")
    filled: int = Field(description="Places held on the date")


class SourceCounts(PlaceCounts):
    funding_source: FundingSource
    label: str


class TypeCounts(PlaceCounts):
    type: PostType
    label: str


class ChildPlaceCounts(PlaceCounts):
    area_code: str
    open: int = Field(description="Places not held on the date")


class StationMonth(BaseModel):
    """A photovoltaic station's posts against its revenue allocated to post wages, in the date's month.
    Jobs records no wages paid, so this is the plan (subsidy × places held), a warning, never a refusal."""

    station_id: uuid.UUID
    name: str
    area_code: str = Field(description="The station's village")
    month: str = Field(description="YYYY-MM: the month of as_of")
    held: int = Field(description="Places of its posts held on the date")
    planned_fen: int = Field(description="Their monthly subsidies (fen) for the places held on the date")
    allocated_fen: int | None = Field(
        description="What projects allocated to post wages from the station's revenue of the month "
        "(fen); null: not allocated yet"
    )
    over_allocation: bool = Field(
        description="The plan is above the allocation (or something is planned and nothing allocated)"
    )


class PostStats(PlaceCounts):
    area_code: str
    as_of: date
    open: int = Field(description="Places not held on the date")
    by_funding_source: list[SourceCounts]
    by_type: list[TypeCounts]
    children: list[ChildPlaceCounts] = Field(
        description="The same counts for each area one level down that has posts (a village: itself); "
        "a town's or county's own posts are in none of them"
    )
    stations: list[StationMonth] = Field(
        default_factory=list,
        description="The photovoltaic stations in the area: their posts' planned subsidies of the month "
        "against what projects allocated to post wages (a warning figure)",
    )
