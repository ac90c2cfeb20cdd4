"""Partner feeds (部门数据比对): records from bureau systems, one kind per feed."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.common.fields import StrictBody, money, whole
from services.common.labels import LabelledEnum
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText


class FeedKind(LabelledEnum):
    medical = "medical", "医保：医疗费用结算"
    disability = "disability", "残联：残疾证"
    social_assistance = "social_assistance", "民政：低保/特困"
    school = "school", "教育：在校/辍学"
    death = "death", "死亡"


class PartnerRecordIn(StrictBody):
    """One record; which fields it needs depends on the feed (see each field)."""

    record_id: Annotated[NonBlankText, Field(max_length=64, description="The bureau's own id of the record")]
    national_id: str = Field(
        min_length=1, max_length=32, description="The person's ID number (never stored here)"
    )
    occurred_on: IsoDate = Field(description="Settled, issued, changed, enrolled/dropped out, died on")
    out_of_pocket: Annotated[Decimal, *money()] | None = Field(
        default=None, description="medical: what the person paid after reimbursement, yuan"
    )
    disability_grade: Annotated[int, *whole(1, 4)] | None = Field(
        default=None, description="disability: grade 1–4"
    )
    programme: Literal["dibao", "tekun"] | None = Field(
        default=None, description="social_assistance: 低保 or 特困"
    )
    status: Literal["started", "ended", "enrolled", "dropped_out"] | None = Field(
        default=None, description="social_assistance: started/ended; school: enrolled/dropped_out"
    )
    school: Annotated[NonBlankText, Field(max_length=100)] | None = Field(default=None, description="school")


REQUIRED: dict[FeedKind, tuple[str, ...]] = {
    FeedKind.medical: ("out_of_pocket",),
    FeedKind.disability: ("disability_grade",),
    FeedKind.social_assistance: ("programme", "status"),
    FeedKind.school: ("status",),
    FeedKind.death: (),
}
ALLOWED_STATUS = {
    FeedKind.social_assistance: {"started", "ended"},
    FeedKind.school: {"enrolled", "dropped_out"},
}

# Each item is checked alone (a bad one is answered invalid, never fatal to the batch), so the body
# takes any objects; documented as the PartnerRecordIn each must be.
FeedItem = Annotated[dict[str, Any], CheckedAlone(PartnerRecordIn)]


class PartnerBatch(StrictBody):
    records: list[FeedItem] = Field(min_length=1, max_length=1000)


class PartnerItemResult(BaseModel):
    index: int
    record_id: str | None = None
    status: Literal["created", "duplicate", "conflict", "unknown_id", "invalid"]
    raised: list[str] = Field(default=[], description="Risk codes this record raised or repeated")
    error: dict | None = None


class PartnerBatchResult(BaseModel):
    created: int
    duplicates: int
    unknown_ids: int
    failed: int
    items: list[PartnerItemResult]
