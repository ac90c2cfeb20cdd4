"""Past cases brought in from a county's earlier system (历史监测对象迁移): one item per case, with the
dates its steps were taken."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from services.common.fields import StrictBody
from services.common.text import CleanText, IsoDate
from services.monitoring.cases.workflow import MonitoringType
from services.monitoring.codes import RiskCode

MAX_BATCH = 1000


class CaseImportItem(StrictBody):
    """A case that was decided before: enrolled on ``identified_on`` and, if its risk is gone,
    eliminated on ``eliminated_on``. Live cases go through the workflow, bound to today."""

    id: uuid.UUID = Field(
        description="Your UUID for the case (it becomes the case's id): a re-sent item is a no-op"
    )
    household_id: uuid.UUID
    monitoring_type: MonitoringType = Field(description=MonitoringType.describe())
    risk_codes: list[RiskCode] = Field(min_length=1, max_length=12, description=RiskCode.describe())
    first_alert_on: IsoDate | None = Field(
        default=None, description="When the risk was first found (default: identified_on)"
    )
    identified_on: IsoDate = Field(
        description="The county's decision: a monitored household (监测户) from then"
    )
    eliminated_on: IsoDate | None = Field(
        default=None,
        description="The county confirmed the risk gone (风险消除): monitored until the day before; "
        "none: still monitored",
    )
    note: CleanText | None = Field(
        default=None, max_length=200, description="Where it came from (kept with its steps)"
    )


# Each item is checked on its own (a bad one is answered in the result, never fatal to the batch).
ImportItem = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "description": "A past case: id, household_id, monitoring_type, risk_codes, identified_on, "
            "and optionally first_alert_on, eliminated_on, note (CaseImportItem)",
        }
    ),
]


class CaseImport(StrictBody):
    items: list[ImportItem] = Field(min_length=1, max_length=MAX_BATCH)


ItemStatus = Literal["created", "duplicate", "conflict", "invalid", "forbidden"]


class CaseImportItemResult(BaseModel):
    index: int
    id: uuid.UUID | None = None
    status: ItemStatus
    area_code: str | None = Field(default=None, description="For a created item: the household's village")
    error: dict | None = Field(
        default=None, description="Why it was refused (`code` and `detail`), as a single request would get it"
    )


class CaseImportResult(BaseModel):
    created: int
    duplicates: int
    failed: int
    items: list[CaseImportItemResult]
