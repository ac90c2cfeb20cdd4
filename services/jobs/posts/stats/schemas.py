"""Public-welfare post figures of an area on a date: counts only, no person named."""

from __future__ import annotations

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
