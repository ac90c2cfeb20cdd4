"""Skills training (技能培训) and placement into work: request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version, money, whole
from services.common.text import CleanText, IsoDate, NonBlankText
from services.jobs.shared.intake import ItemResult, item_schema
from services.jobs.training.workflow import EnrolmentAction

Name = Annotated[NonBlankText, Field(max_length=100)]
Skill = Annotated[NonBlankText, Field(max_length=50)]
Note = Annotated[CleanText, Field(max_length=500)]
Places = Annotated[int, *whole(1, 100_000)]
Income = Annotated[Decimal, *money(1_000_000)]  # yuan a month, written as a JSON number


class CourseCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN, description="Where it is organised (village, town, county)"
    )
    title: Name = Field(description="e.g. 修脚足疗技能培训班")
    provider: Name = Field(description="Who teaches (培训机构)")
    skill: Skill = Field(description="The skill taught, e.g. 修脚足疗, 电工, 家政")
    starts_on: IsoDate
    ends_on: IsoDate | None = Field(default=None, description="none: open (rolling intake)")
    capacity: Places | None = Field(default=None, description="Places; none: as many as sign up")
    note: Note | None = None


class CourseUpdate(StrictBody):
    base_version: Version
    title: Name | None = None
    provider: Name | None = None
    skill: Skill | None = None
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = Field(default=None, description="null: open")
    capacity: Places | None = Field(default=None, description="null: unlimited; not below those enrolled")
    note: Note | None = None


class CourseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str
    title: str
    provider: str
    skill: str
    starts_on: date
    ends_on: date | None
    capacity: int | None
    enrolled: int = Field(default=0, description="Places taken: enrolments not dropped")
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class EnrolmentCreate(StrictBody):
    id: uuid.UUID | None = Field(default=None, description="Your UUID, so a retry is recognised")
    person_id: uuid.UUID
    enrolled_on: IsoDate = Field(description="The day the person signed up (报名)")


class EnrolmentItem(EnrolmentCreate):
    """An enrolment in a batch: as for POST /training-courses/{course_id}/enrolments, with the course."""

    course_id: uuid.UUID = Field(description="The course (yours, or one of an area above yours)")


MAX_BATCH = 1000
EnrolmentBatchItem = Annotated[
    dict[str, Any],
    WithJsonSchema(
        item_schema(
            "An enrolment with its course_id",
            "/api/v1/training-courses/{course_id}/enrolments",
            "EnrolmentCreate",
        )
    ),
]


class EnrolmentBatch(StrictBody):
    items: list[EnrolmentBatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class EnrolmentItemResult(ItemResult):
    pass


class CourseItemResult(ItemResult):
    pass


class EnrolmentBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[EnrolmentItemResult]


class Placement(StrictBody):
    employer: Name = Field(description="e.g. 远元集团武汉某门店")
    place: Name = Field(description="Where the work is, as people say it, e.g. 湖北省武汉市")
    place_code: str = Field(
        pattern=AREA_CODE_PATTERN,
        description="The place's division code (e.g. 420100000000 武汉市): the figures group placements "
        "by it, and the person's employment status (省外/省内县外/县内乡外/本地务工) follows from it",
    )
    started_on: IsoDate
    monthly_income: Income | None = Field(default=None, description="Yuan per month")


class EnrolmentStep(StrictBody):
    action: EnrolmentAction = Field(description=EnrolmentAction.describe())
    base_version: Version
    on: IsoDate | None = Field(
        default=None, description="complete, drop, leave: the day (default today; leave: the last day worked)"
    )
    certificate_no: Annotated[NonBlankText, Field(max_length=64)] | None = Field(
        default=None, description="complete: the certificate's number (结业证书), if any"
    )
    reason: Annotated[NonBlankText, Field(max_length=200)] | None = Field(
        default=None, description="drop, leave: why (required)"
    )
    placement: Placement | None = Field(default=None, description="place: the job (required)")


class EnrolmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    person_id: uuid.UUID
    household_id: uuid.UUID
    area_code: str
    enrolled_on: date
    state: str
    completed_on: date | None
    certificate_no: str | None
    dropped_on: date | None
    drop_reason: str | None
    employer: str | None
    place: str | None
    place_code: str | None
    placed_on: date | None = Field(description="The day the job started")
    monthly_income: Income | None
    left_on: date | None = Field(description="The last day the person worked in that job")
    leave_reason: str | None
    employment_record_id: uuid.UUID | None = Field(
        default=None, description="The employment record the placement made (就业台账), once placed"
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    actions: list[str] = Field(default=[], description="The actions you may take now")
