"""Training figures of an area on a date: counts only, no person named."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class PlaceCount(BaseModel):
    place_code: str | None = Field(
        description="The division code of where the job is (null: a placement recorded without one)"
    )
    name: str | None = Field(description="The place's name, as the placements give it")
    placed: int


class CourseCounts(BaseModel):
    course_id: uuid.UUID
    title: str
    skill: str
    enrolled: int
    completed: int
    placed: int


class ChildTrainingCounts(BaseModel):
    area_code: str
    enrolled: int
    in_training: int
    completed: int
    dropped: int
    placed: int


class TrainingStats(BaseModel):
    area_code: str
    as_of: date
    enrolled: int = Field(description="Signed up (报名) by the date")
    in_training: int = Field(description="Signed up, not yet completed nor dropped on the date")
    completed: int = Field(description="Completed (结业) by the date, placed or not")
    dropped: int
    placed: int = Field(description="In a job found after the course, started by the date")
    placement_rate: float | None = Field(description="placed / enrolled (null when none enrolled)")
    placement_rate_of_completed: float | None = Field(description="placed / completed")
    by_place: list[PlaceCount] = Field(description="Where the placed work, by place code, most first")
    by_course: list[CourseCounts]
    children: list[ChildTrainingCounts] = Field(
        description="The same counts for each area one level down with anyone enrolled (a village: itself)"
    )
