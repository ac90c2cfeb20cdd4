"""Threshold rules: an area sets its own figures (or those below it); each save is a new version."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_valid_scope
from services.common.auth import Principal
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.monitoring.models import ThresholdVersion
from services.monitoring.thresholds.repository import ThresholdRepository
from services.monitoring.thresholds.schemas import ThresholdCreate


class ThresholdService:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = ThresholdRepository(session)

    async def create(self, data: ThresholdCreate, principal: Principal) -> ThresholdVersion:
        if not is_valid_scope(data.area_code):
            raise ValidationFailed.field(
                ["body", "area_code"], f"{data.area_code} is not an area code", "area_code_invalid"
            )
        if not principal.covers(data.area_code):
            raise Forbidden(
                f"Thresholds for {data.area_code} are set by that area; yours is {principal.scope}",
                code="outside_scope",
            )
        row = ThresholdVersion(id=new_id(), **data.model_dump(), version=0, created_by=principal.id)
        return await self.repository.add_version(row)

    async def in_force(self, area_code: str, year: int, principal: Principal) -> ThresholdVersion:
        visible = is_valid_scope(area_code) and principal.covers(area_code)
        found = await self.repository.in_force(area_code, year) if visible else None
        if found is None:
            raise NotFound(
                f"No monitoring thresholds for {year} apply to {area_code}; a county administrator sets "
                "them with POST /api/v1/thresholds",
                code="thresholds_not_set",
            )
        return found
