"""The export job resource of a ledger: its progress, and its file once written (for its requester),
opened chunk by chunk as it is sent, whole or from a byte range (a download cut off resumes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.common.auth import Permission, Principal
from services.common.database import SessionDep, get_database
from services.common.errors import Conflict, FangpinError, NotFound
from services.common.exports.repository import export_job, sealed_chunk
from services.common.exports.runner import CHUNK_BYTES, ExportRunner
from services.common.exports.sealing import ExportSeal, SealBroken
from services.common.guards import requires


class ExportGone(FangpinError):
    status, code, title = 410, "export_expired", "Gone"


class RangeNotSatisfiable(FangpinError):
    status, code, title = 416, "range_not_satisfiable", "Range not satisfiable"


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
    noun = resource.replace("-", "_")  # route names (operationIds), one of each per resource

    async def find(session: Any, job_id: uuid.UUID, principal: Principal) -> Any:
        row = await export_job(session, schema, resource, job_id)
        if row is None or row.requested_by != principal.id:  # another account's export is not there
            raise NotFound(f"No export {job_id}", code="export_not_found")
        if row.expired:  # the sweeper may not have come round yet: it is gone all the same
            raise ExportGone(f"Export {job_id} was kept 24 hours and is gone; ask for the ledger again")
        return row

    @router.get("/{job_id:uuid}", response_model=ExportJob, name=f"get_{noun}_export")
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
        name=f"download_{noun}_export",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"application/octet-stream": {}}, "description": "The ledger file"},
            206: {"description": "The part of the file a `Range: bytes=…` header asked for"},
        },
    )
    async def download_export(
        job_id: uuid.UUID, session: SessionDep, request: Request, principal: Principal = allowed
    ) -> StreamingResponse:
        """The written ledger file (409 while it is still being written); `Range` resumes a download."""
        row = await find(session, job_id, principal)
        if row.status != "done":
            raise Conflict(f"The export is {row.status}, not ready to download", code="export_not_ready")
        runner: ExportRunner = request.app.state.export_runner
        etag = f'"{job_id}"'  # a written file never changes
        wanted = None
        if request.headers.get("if-range", etag) == etag:
            wanted = byte_range(request.headers.get("range"), row.bytes)
        first, last = wanted or (0, row.bytes - 1)
        chunks = _opened(request, schema, runner.seal, job_id, first, last)
        # The first chunk is opened before the answer starts: a file no key here opens is a clear 410.
        try:
            head = await anext(chunks, b"")
        except SealBroken as exc:
            raise ExportGone(
                f"Export {job_id} cannot be read here any more; ask for the ledger again",
                code="export_unreadable",
            ) from exc
        headers = {
            "Content-Disposition": f'attachment; filename="{row.file_name}"',
            "Content-Length": str(last - first + 1),
            "Accept-Ranges": "bytes",
            "ETag": etag,
        }
        if wanted is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{row.bytes}"
        return StreamingResponse(
            _then(head, chunks),
            status_code=206 if wanted is not None else 200,
            media_type=row.media_type,
            headers=headers,
        )

    return router


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte of one ``bytes=`` range (RFC 9110 §14.1.2), or None for the whole file
    (no header, another unit, several ranges, or one that does not parse); 416 when none of it exists."""
    unit, _, spec = (header or "").partition("=")
    first_text, dash, last_text = spec.strip().partition("-")
    numbers = [t for t in (first_text, last_text) if t]
    if unit.strip().lower() != "bytes" or "," in spec or not dash or not numbers:
        return None
    if not all(t.isascii() and t.isdigit() for t in numbers):
        return None
    if not first_text:  # the last N bytes (none of them: nothing to send)
        length = int(last_text)
        first, last = (max(size - length, 0) if length else size), size - 1
    else:
        first = int(first_text)
        if last_text and int(last_text) < first:
            return None
        last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size:
        raise RangeNotSatisfiable(
            f"The file has {size} bytes", headers={"Content-Range": f"bytes */{size}"}, size=size
        )
    return first, last


async def _opened(
    request: Request, schema: str, seal: ExportSeal, job_id: uuid.UUID, first: int, last: int
) -> AsyncIterator[bytes]:
    """Bytes ``first``..``last`` of the file, a chunk at a time, each read on its own and opened, so a
    large file never sits in memory whole. Every chunk but the last holds CHUNK_BYTES of the file."""
    database = get_database(request)
    seq, skip = divmod(first, CHUNK_BYTES)
    left = last - first + 1
    while left > 0:
        async with database.sessionmaker() as session:
            data = await sealed_chunk(session, schema, job_id, seq)
        if data is None:
            return
        piece = seal.open(job_id, seq, data)[skip : skip + left]
        left -= len(piece)
        skip = 0
        seq += 1
        yield piece


async def _then(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for piece in rest:
        yield piece
