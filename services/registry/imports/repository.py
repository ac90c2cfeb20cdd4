"""The import jobs' rows as the API reads and writes them (the running job updates its own: ``jobs``)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import ImportJob


class ImportJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, job: ImportJob) -> None:
        self.session.add(job)
        await self.session.flush()

    async def get(self, job_id: uuid.UUID, scope_prefix: str) -> ImportJob | None:
        """The job, if it was started in the caller's scope."""
        in_area = in_scope(col(ImportJob.area_code), scope_prefix)
        query = select(ImportJob).where(ImportJob.id == job_id, in_area)
        return (await self.session.execute(query)).scalar_one_or_none()
