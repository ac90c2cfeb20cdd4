"""School-age children (控辍保学): request and response bodies, and the codes they use."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.fields import AREA_CODE_PATTERN, StrictBody, Version
from services.common.labels import LabelledEnum
from services.common.openapi import CheckedAlone
from services.common.text import IsoDate, NonBlankText

SCHOOL_AGE = (6, 15)  # 义务教育阶段: aged 6 to 15 on the day asked


class StudyPlace(LabelledEnum):
    this_town = "this_town", "本镇就读"
    other_town = "other_town", "县内外镇就读"
    outside_county = "outside_county", "县外就读"
    not_in_school = "not_in_school", "暂不在校"
    home_schooling = "home_schooling", "送教上门"


IN_SCHOOL = (StudyPlace.this_town, StudyPlace.other_town, StudyPlace.outside_county)


class ReturnStep(LabelledEnum):
    found = "found", "已找到"
    persuaded = "persuaded", "已劝返"
    returned = "returned", "已返校"


class ChildSource(LabelledEnum):
    registry = "registry", "户籍系统"
    population = "population", "公安人口数据"
    both = "both", "户籍系统、公安人口数据"


School = Annotated[NonBlankText, Field(max_length=100)]
Grade = Annotated[NonBlankText, Field(max_length=20, description="e.g. 三年级, 初二")]
Teacher = Annotated[NonBlankText, Field(max_length=50, description="The teacher in charge (包保教师)")]
Reason = Annotated[NonBlankText, Field(max_length=1000)]


class ChildUpdate(StrictBody):
    """Where the child studies and who looks after it. A new place drops the old place's proof."""

    base_version: Version
    study_place: StudyPlace | None = Field(default=None, description=StudyPlace.describe())
    school: School | None = None
    grade: Grade | None = None
    teacher: Teacher | None = None
    out_of_school_reason: Reason | None = Field(
        default=None, description="Why the child is not in school (needed with not_in_school)"
    )


class ProofSet(StrictBody):
    """Proof of enrolment (取证) at the school the child studies at: the document, its photo, the day."""

    base_version: Version
    proven_on: IsoDate = Field(description="The day the proof was taken; not in the future")
    document: Annotated[NonBlankText, Field(max_length=100, description="e.g. 在读证明, 学籍卡")]
    photo_id: uuid.UUID | None = Field(
        default=None, description="A photo of the document uploaded with an inspection in your area"
    )


class ReturnStepIn(StrictBody):
    """One step of bringing a child out of school back (劝返): found → persuaded → returned."""

    base_version: Version
    step: ReturnStep = Field(description=ReturnStep.describe())
    on: IsoDate = Field(description="The day; not in the future, not before the previous step")
    study_place: StudyPlace | None = Field(
        default=None, description="returned: where the child studies now (a school, or 送教上门)"
    )
    school: School | None = None


class ChildRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID | None = Field(description="The registry's person, when it has the child")
    household_id: uuid.UUID | None
    national_id_masked: str | None
    name: str
    birth_date: date
    family_ref: str | None = Field(description="The police household number of a child the registry lacks")
    area_code: str
    source: ChildSource
    study_place: StudyPlace | None
    school: str | None
    grade: str | None
    teacher: str | None
    out_of_school_reason: str | None
    proven_on: date | None
    proof_document: str | None
    proof_photo_id: uuid.UUID | None
    proven_by: str | None
    return_state: ReturnStep | None
    found_on: date | None
    persuaded_on: date | None
    returned_on: date | None
    left_on: date | None = Field(description="Died or deleted from the register: not counted from then")
    version: int
    change_seq: int = Field(description="The position of its last change (the phones' sync feed)")
    updated_at: datetime


class PopulationRecordIn(StrictBody):
    """One child in the police population data (公安): matched to the registry by ID number; a child
    the registry lacks is kept by a keyed hash of the number, never the number."""

    record_id: Annotated[NonBlankText, Field(max_length=64, description="The sender's own id of the record")]
    national_id: str = Field(min_length=18, max_length=18, description="The child's ID number (never stored)")
    name: Annotated[NonBlankText, Field(max_length=50)]
    area_code: str = Field(
        pattern=AREA_CODE_PATTERN, description="The village the child lives in (in your area)"
    )
    family_ref: Annotated[NonBlankText, Field(max_length=64)] | None = Field(
        default=None, description="The police household number (户号): children of one family share it"
    )
    # As the town's first ledger has them (the population data checked against the school roll, 学籍库).
    study_place: StudyPlace | None = Field(
        default=None, description="Where the child studies, if known: a school place or home_schooling"
    )
    school: School | None = None
    grade: Grade | None = None
    proven_on: IsoDate | None = Field(default=None, description="Proof of enrolment (取证) taken on")
    proof_document: Annotated[NonBlankText, Field(max_length=100)] | None = None


PopulationItem = Annotated[dict[str, Any], CheckedAlone(PopulationRecordIn)]


class PopulationBatch(StrictBody):
    records: list[PopulationItem] = Field(min_length=1, max_length=1000)


class PopulationItemResult(BaseModel):
    index: int
    record_id: str | None = None
    status: Literal["created", "duplicate", "conflict", "forbidden", "invalid"]
    child_id: uuid.UUID | None = None
    matched: bool | None = Field(default=None, description="The registry has the child")
    error: dict | None = None


class PopulationBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[PopulationItemResult]


class PlaceCount(BaseModel):
    study_place: StudyPlace | None = Field(description="null: not yet found out")
    label: str
    children: int


class FamilyCount(BaseModel):
    household_id: uuid.UUID | None
    family_ref: str | None
    children: int


class SchoolStats(BaseModel):
    area_code: str
    as_of: date
    children: int = Field(description="Aged 6–15 on the day, living in the area")
    by_study_place: list[PlaceCount]
    in_school: int = Field(description="Studying in this town, another town of the county or outside it")
    proven: int = Field(description="Of those in school, with proof of enrolment (取证) by the day")
    proven_share_pct: float | None = Field(description="proven / in_school, per cent (2 places)")
    unproven_outside_county: int
    unproven_outside_county_by_family: list[FamilyCount] = Field(
        description="The unproven outside the county by family (household or police household number), "
        "largest first"
    )
    out_of_school: int = Field(description="Not in school now (辍学): a returned child counts no more")
    home_schooling: int
    being_returned: dict[str, int] = Field(description="Children out of school at each return step")
    returned: int = Field(description="Brought back to school (已返校) by the day")
