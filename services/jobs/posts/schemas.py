"""Public-welfare posts (公益岗) and who holds them: request and response bodies (their figures: stats)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version, money, whole
from services.common.labels import LabelledEnum
from services.common.text import CleanText, IsoDate, NonBlankText
from services.jobs.shared.intake import ItemResult, item_schema


class PostType(LabelledEnum):
    """What the work is (岗位类型)."""

    cleaning = "cleaning", "保洁"
    publicity = "publicity", "宣传"
    patrol = "patrol", "巡逻"
    forest_ranger = "forest_ranger", "护林"
    road_maintenance = "road_maintenance", "道路养护"
    water_management = "water_management", "管水"
    elderly_care = "elderly_care", "护老"
    other = "other", "其他"


class FundingSource(LabelledEnum):
    """Whose money pays the subsidy (资金来源)."""

    photovoltaic = "photovoltaic", "光伏收益"
    hrss = "hrss", "人社"
    forestry = "forestry", "林业"
    village_fund = "village_fund", "乡村综合财力"
    other = "other", "其他"


Title = Annotated[NonBlankText, Field(max_length=100)]
Note = Annotated[CleanText, Field(max_length=500)]
Places = Annotated[int, *whole(1, 100_000)]
Subsidy = Annotated[Decimal, *money(100_000)]  # yuan a month, written as a JSON number
STATION_RULE = (
    "The photovoltaic station (光伏电站, its id in projects) whose revenue pays: required for photovoltaic "
    "posts only; a station in your area that the post's area lies in (the station's village)"
)


class PostCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="The village (or town) of the post")
    title: Title = Field(description="e.g. 村道保洁员")
    type: PostType = Field(description=PostType.describe())
    funding_source: FundingSource = Field(description=FundingSource.describe())
    station_id: uuid.UUID | None = Field(default=None, description=STATION_RULE)
    monthly_subsidy: Subsidy = Field(description="Yuan per month per place")
    capacity: Places = Field(description="Places: how many people may hold the post at once")
    starts_on: IsoDate
    ends_on: IsoDate | None = Field(default=None, description="Last day of the post; none: open-ended")
    note: Note | None = None


class PostUpdate(StrictBody):
    base_version: Version
    title: Title | None = None
    type: PostType | None = None
    funding_source: FundingSource | None = None
    station_id: uuid.UUID | None = Field(default=None, description=STATION_RULE + "; null removes it")
    monthly_subsidy: Subsidy | None = None
    capacity: Places | None = Field(default=None, description="Not below the places filled")
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = Field(default=None, description="null: open-ended")
    note: Note | None = None


class PostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    title: str
    type: str = Field(validation_alias="post_type")
    funding_source: str
    station_id: uuid.UUID | None
    station_note: str | None = Field(
        description="The station as typed before posts named one by id (read-only, for history)"
    )
    monthly_subsidy: Subsidy
    capacity: int
    filled: int = Field(default=0, description="Places held today")
    starts_on: date
    ends_on: date | None
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class AssignmentCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    person_id: uuid.UUID
    starts_on: IsoDate
    ends_on: IsoDate | None = Field(
        default=None, description="Last day held, if known; none: until ended (or the post's last day)"
    )


class AssignmentItem(AssignmentCreate):
    """An assignment in a batch: as for POST /welfare-posts/{post_id}/assignments, with the post."""

    post_id: uuid.UUID = Field(description="The post (in your area)")


MAX_BATCH = 1000


PostBatchItem = Annotated[
    dict[str, Any], WithJsonSchema(item_schema("A post", "/api/v1/welfare-posts", "PostCreate"))
]
AssignmentBatchItem = Annotated[
    dict[str, Any],
    WithJsonSchema(
        item_schema(
            "An assignment with its post_id",
            "/api/v1/welfare-posts/{post_id}/assignments",
            "AssignmentCreate",
        )
    ),
]


class PostBatch(StrictBody):
    items: list[PostBatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class AssignmentBatch(StrictBody):
    items: list[AssignmentBatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class PostItemResult(ItemResult):
    pass


class AssignmentItemResult(ItemResult):
    pass


class PostBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[PostItemResult]


class AssignmentBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[AssignmentItemResult]


class AssignmentEnd(StrictBody):
    ends_on: IsoDate = Field(description="The last day the person held the post")
    reason: Annotated[NonBlankText, Field(max_length=200)] = Field(description="e.g. 外出务工, 身体原因")


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    post_id: uuid.UUID
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    starts_on: date
    ends_on: date | None
    end_reason: str | None
    ended_by: str | None
    ended_at: datetime | None
    created_by: str
    created_at: datetime
