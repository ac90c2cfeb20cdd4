"""Import jobs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RowProblem(BaseModel):
    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1)")
    column: str = Field(description="The column's header as written in the file")
    reason: str
    code: str


class ImportJobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_code: str = Field(description="The area the import may write in (the caller's scope)")
    filename: str
    format: Literal["csv", "xlsx"]
    size_bytes: int
    file_sha256: str
    dry_run: bool
    as_of: date | None = Field(
        description="The date the file describes: the periods it no longer lists end the day before"
    )
    status: Literal["queued", "running", "succeeded", "failed"]
    rows_total: int = Field(description="Rows in the file (an estimate until the job ends)")
    rows_done: int
    rows_ok: int
    rows_bad: int
    progress: float = Field(default=0.0, description="0 to 1")
    counts: dict[str, Any] = Field(
        description="households/people created and changed; programme periods started, ended and moved"
    )
    errors: list[RowProblem] = Field(description="The refused rows (the first 1,000)")
    failure: str | None = Field(description="Why the job as a whole failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportRowRead(BaseModel):
    """One written row of the file: the household and person it created or matched."""

    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1)")
    household_id: uuid.UUID
    household_created: bool = Field(description="This job created the household (else it matched it)")
    household_number: str | None = Field(description="While the household is in your area")
    person_id: uuid.UUID
    person_created: bool = Field(description="This job created the person (else it matched them)")
    name: str | None = Field(description="While the person is in your area")
    national_id_masked: str | None = Field(description="Masked; while the person is in your area")
