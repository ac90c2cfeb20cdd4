"""The export job resource of a ledger: its progress, and its file once written (for its requester)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from services.common.auth import Permission, Principal
from services.common.database import SessionDep, get_database
from services.common.errors import Conflict, NotFound
from services.common.exports.tables import CHUNKS, JOBS
from services.common.guards import requires


class ExportJob(BaseModel):
    id: uuid.UUID
    status: Literal["running", "done", "failed"]
    rows_total: int = Field(description="Rows the ledger had when it was asked for")
    rows_done: int = Field(description="Rows written so far")
    bytes: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    download: str | None = Field(description="Where to fetch the file once done (kept 24 hours)")


def export_job_router(resource: str, permission: Permission, schema: str) -> APIRouter:
    """GET /api/v1/<resource>/exports/{id} and …/{id}/file, for the account that asked for the export."""
    router = APIRouter(prefix=f"/api/v1/{resource}/exports", tags=["ledger exports"])
    allowed = requires(permission)  # a default, not an annotation: annotations here are strings
    base = f"/api/v1/{resource}/exports"

    async def find(session: Any, job_id: uuid.UUID, principal: Principal) -> Any:
        row = (
            await session.execute(
                text(f"SELECT * FROM {schema}.{JOBS} WHERE id = :id AND resource = :resource"),  # noqa: S608
                {"id": job_id, "resource": resource},
            )
        ).one_or_none()
        if row is None or row.requested_by != principal.id:  # another account's export is not there
            raise NotFound(f"No export {job_id}", code="export_not_found")
        return row

    @router.get("/{job_id:uuid}", response_model=ExportJob)
    async def get_export(job_id: uuid.UUID, session: SessionDep, principal: Principal = allowed) -> ExportJob:
        """A ledger export's progress, and its download link once it is written."""
        row = await find(session, job_id, principal)
        done = row.status == "done"
        return ExportJob(
            id=row.id,
            status=row.status,
            rows_total=row.rows_total,
            rows_done=row.rows_done,
            bytes=row.bytes,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
            download=f"{base}/{job_id}/file" if done else None,
        )

    @router.get(
        "/{job_id:uuid}/file",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}, "description": "The ledger file"}},
    )
    async def download_export(
        job_id: uuid.UUID, session: SessionDep, request: Request, principal: Principal = allowed
    ) -> StreamingResponse:
        """The written ledger file (409 while it is still being written)."""
        row = await find(session, job_id, principal)
        if row.status != "done":
            raise Conflict(f"The export is {row.status}, not ready to download", code="export_not_ready")
        return StreamingResponse(
            _chunks(request, schema, job_id),
            media_type=row.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{row.file_name}"',
                "Content-Length": str(row.bytes),
            },
        )

    return router


async def _chunks(request: Request, schema: str, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    """One chunk at a time, each read on its own, so a large file never sits in memory whole."""
    database = get_database(request)
    seq = 0
    while True:
        async with database.sessionmaker() as session:
            data = await session.scalar(
                text(f"SELECT data FROM {schema}.{CHUNKS} WHERE job_id = :id AND seq = :seq"),  # noqa: S608
                {"id": job_id, "seq": seq},
            )
        if data is None:
            return
        yield bytes(data)
        seq += 1
