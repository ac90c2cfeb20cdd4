"""Bureau systems' batches: request and response bodies (each item is the single form's, with its id)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.common.fields import StrictBody
from services.common.openapi import CheckedAlone
from services.projects.schemas import MovementCreate, ProjectCreate

RECORD_ID = "The record's id in the bureau's system (a UUID): sent again, no effect"


class ProjectPush(ProjectCreate):
    """A project record as POST /api/v1/projects takes it, its id required: the record's id."""

    id: uuid.UUID = Field(
        description="The record's id in the bureau's system (a UUID): sent again, no effect"
    )

    def single(self) -> ProjectCreate:
        """As the single form would have received it (the same retry, whichever way it came)."""
        return ProjectCreate.model_validate(self.model_dump())


class MovementPush(MovementCreate):
    """A fund movement as POST /api/v1/projects/{id}/fund-movements takes it, with its project, its id
    required: the record's id."""

    id: uuid.UUID = Field(
        description="The record's id in the bureau's system (a UUID): sent again, no effect"
    )
    project_id: uuid.UUID = Field(description="The project, in your area")

    def single(self) -> MovementCreate:
        return MovementCreate.model_validate(self.model_dump(exclude={"project_id"}))


class PushResult(BaseModel):
    index: int
    id: uuid.UUID | None = Field(default=None, description="The item's id (null: sent without one, refused)")
    status: Literal["created", "duplicate", "conflict", "invalid", "forbidden"]
    error: dict | None = Field(default=None, description="The problem (as a single request would get it)")


class PushBatchResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[PushResult]


# Each checked on its own: a bad item is answered in the result, never fatal to the batch.
ProjectItem = Annotated[dict[str, Any], CheckedAlone(ProjectPush)]
MovementItem = Annotated[dict[str, Any], CheckedAlone(MovementPush)]


class ProjectBatch(StrictBody):
    items: list[ProjectItem] = Field(min_length=1, max_length=1000)


class MovementBatch(StrictBody):
    items: list[MovementItem] = Field(min_length=1, max_length=1000)
