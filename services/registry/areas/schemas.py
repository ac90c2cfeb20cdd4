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
    created_at: datetime
    updated_at: datetime
