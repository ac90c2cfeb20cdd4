"""The import jobs' rows as the API reads and writes them (the running job updates its own: ``jobs``;
its writer keeps each row's household and person: ``writer``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import ImportJob

# The job's rows after one, with what the caller may see of each: the ids always (the job wrote or
# matched them), the household's number, the name and the masked ID number only while in its area.
JOB_ROWS = text("""
SELECT r.row, r.household_id, r.person_id,
       CASE WHEN h.area_code LIKE :pattern THEN h.number END AS household_number,
       h.created_by IS NOT DISTINCT FROM :actor AS household_created,
       CASE WHEN p.area_code LIKE :pattern THEN p.name END AS name,
       CASE WHEN p.area_code LIKE :pattern THEN p.national_id_masked END AS national_id_masked,
       p.created_by IS NOT DISTINCT FROM :actor AS person_created
FROM registry.import_rows r
LEFT JOIN registry.households h ON h.id = r.household_id
LEFT JOIN registry.people p ON p.id = r.person_id
WHERE r.job_id = :job_id AND r.row > :after
ORDER BY r.row
LIMIT :limit
""")


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

    async def rows(
        self, job: ImportJob, scope_prefix: str, *, after: int, limit: int
    ) -> list[dict[str, Any]]:
        """Rows of ``job`` (one the caller may see: ``get``) in file order, after row ``after``."""
        values = {
            "job_id": job.id,
            "actor": f"import:{job.id}",  # the writer's actor: what the job created carries it
            "pattern": scope_prefix + "%",  # digits only: nothing to escape
            "after": after,
            "limit": limit,
        }
        return [dict(row) for row in (await self.session.execute(JOB_ROWS, values)).mappings()]
