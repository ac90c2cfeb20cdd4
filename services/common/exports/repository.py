"""The export jobs' and chunks' rows as the job resource reads them (the runner writes them)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.exports.runner import EXPIRED, kept_s
from services.common.exports.tables import CHUNKS, JOBS


async def export_job(session: AsyncSession, schema: str, resource: str, job_id: uuid.UUID) -> Row[Any] | None:
    """The job of ``resource`` with this id, whoever asked for it, and whether it is past its time
    (``expired``, by the database's clock, as the sweeper judges it)."""
    result = await session.execute(
        text(
            f"SELECT *, {EXPIRED} AS expired FROM {schema}.{JOBS} "  # noqa: S608
            "WHERE id = :id AND resource = :resource"
        ),
        {"id": job_id, "resource": resource} | kept_s(),
    )
    return result.one_or_none()


async def sealed_chunk(session: AsyncSession, schema: str, job_id: uuid.UUID, seq: int) -> bytes | None:
    """The ``seq``-th chunk of the job's file as stored (sealed), or None past its end."""
    data = await session.scalar(
        text(f"SELECT data FROM {schema}.{CHUNKS} WHERE job_id = :id AND seq = :seq"),  # noqa: S608
        {"id": job_id, "seq": seq},
    )
    return None if data is None else bytes(data)
