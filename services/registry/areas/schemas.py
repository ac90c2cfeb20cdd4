"""Registry request and response bodies (never the table models themselves)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.common.area_codes import AreaLevel
from services.common.text import NonBlankText

AREA_CODE_DESCRIPTION = "12-digit statistical division code (统计用区划代码)"
CODE_PATTERN = r"^(0[1-9]|[1-9][0-9])[0-9]{10}$"


class AreaCreate(BaseModel):
    """A new administrative division. Level and parent follow from the code when omitted."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # The pattern is published for clients; the service checks the code itself, to say which rule failed.
    code: str = Field(
        min_length=1,
        max_length=32,
        description=AREA_CODE_DESCRIPTION,
        examples=["610924101201"],
        json_schema_extra={"pattern": CODE_PATTERN},
    )
    name: NonBlankText = Field(max_length=100, examples=["黄金村"])
    level: AreaLevel | None = Field(
        default=None, description="province 省, city 市, county 县, town 乡镇, village 行政村"
    )
    parent_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="Code of the area above; must be a prefix",
        json_schema_extra={"pattern": CODE_PATTERN},
    )


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description=AREA_CODE_DESCRIPTION)
    name: str
    level: AreaLevel
    parent_code: str | None
    merged_into_code: str | None = Field(description="Set when this village was merged into another")
    merged_on: date | None
    urban_rural_class: str | None = Field(
        default=None, description="城乡分类代码 from the official table, e.g. 220 村庄, 111 主城区"
    )
    created_at: datetime
    updated_at: datetime


class AreaNameRead(BaseModel):
    name: str
    valid_from: date | None = Field(description="The name is in use from this day; null: since before it")
    recorded_at: datetime


class AreaImportProblem(BaseModel):
    line: int = Field(description="Line of the file (a header, if any, is line 1)")
    area_code: str = Field(description="The code as written in the file")
    code: str = Field(
        description="Stable reason: area_code_length, area_code_digits, duplicate_code, unknown_parent, "
        "name_missing, urban_rural_class_unknown, older_than_current_name …"
    )
    reason: str


class AreaRenamed(BaseModel):
    code: str
    line: int
    old_name: str
    new_name: str


class AreaMissing(BaseModel):
    code: str
    name: str
    level: AreaLevel


class AreaImportReport(BaseModel):
    """What an import of the official table did; the same file again reports everything unchanged."""

    effective_on: date = Field(description="New names are recorded as in use from this day")
    dry_run: bool
    rows: int = Field(description="Rows of codes read (a header not counted)")
    created: int
    renamed: int
    reclassified: int = Field(description="Only the urban-rural class changed")
    unchanged: int
    missing: int = Field(description="Registered inside the file's coverage and your area, not in the file")
    invalid: int = Field(description="Rows refused, each listed in problems")
    outside_scope: int = Field(description="Rows for areas outside your area, left as they are")
    changed: bool = Field(description="False when the import changed nothing")
    problems: list[AreaImportProblem] = Field(description="The refused rows (the first 1,000)")
    renamed_areas: list[AreaRenamed] = Field(description="The first 1,000")
    missing_areas: list[AreaMissing] = Field(description="The first 1,000; never deleted")
