"""Bulk imports over the API: upload a file, follow the job."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.errors import NotFound, ServiceUnavailable, ValidationFailed
from services.common.guards import requires
from services.common.ids import new_id
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    encode_cursor,
)
from services.common.text import IsoDate
from services.registry.disclosures import DisclosureGate
from services.registry.imports import reader
from services.registry.imports.jobs import ImportRunner
from services.registry.imports.repository import ImportJobRepository
from services.registry.imports.schemas import ImportJobRead, ImportRowRead
from services.registry.models import ImportJob

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

Importer = Annotated[Principal, requires(Permission.imports_run)]
CHUNK = 1 << 20


def runner_of(request: Request) -> ImportRunner:
    runner: ImportRunner | None = getattr(request.app.state, "import_runner", None)
    if runner is None:
        raise ServiceUnavailable("Imports need the national ID key", code="national_id_key_missing")
    return runner


def job_read(job: ImportJob) -> ImportJobRead:
    progress = (
        1.0
        if job.status == "succeeded"
        else min(job.rows_done / job.rows_total, 1.0)
        if job.rows_total
        else 0.0
    )
    return ImportJobRead.model_validate(job).model_copy(update={"progress": round(progress, 4)})


@router.post(
    "",
    response_model=ImportJobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        429: {
            "description": "`disclosure_rate_limited`: past your limit of answers saying that a number "
            "is registered outside your area (an import says so of refused rows); try after `Retry-After`"
        }
    },
)
async def start_import(
    request: Request,
    principal: Importer,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX: one row per person (see the README)")],
    dry_run: Annotated[bool, Form(description="Check every row and write nothing")] = False,
    as_of: Annotated[
        IsoDate | None,
        Form(
            description="The date the file describes (default: today in China): a programme it says a "
            "person no longer has (否) ends the day before; not after today"
        ),
    ] = None,
) -> ImportJobRead:
    """Import households and people of your area from a file, as a job; follow it at its URL."""
    if as_of is not None and as_of > china_today():
        raise ValidationFailed.field(["body", "as_of"], "The file's date is after today", "date_in_future")
    runner = runner_of(request)
    gate = DisclosureGate.of(request, principal)
    await gate.check()  # an import (a dry run above all) could otherwise ask about any number
    filename = Path(file.filename or "upload").name[:255]
    try:
        fmt = reader.detect_format(Path(filename))
    except reader.UnreadableFile as exc:
        raise ValidationFailed.field(["body", "file"], str(exc), "unsupported_file") from exc
    path, size, digest = await _store(file, fmt)
    job = ImportJob(
        id=new_id(),
        area_code=principal.scope,
        filename=filename,
        format=fmt,
        size_bytes=size,
        file_sha256=digest,
        dry_run=dry_run,
        as_of=as_of or china_today(),
        status="queued",
        created_by=principal.id,
        rows_total=0,
        rows_done=0,
        rows_ok=0,
        rows_bad=0,
    )
    await ImportJobRepository(session).add(job)
    audit_trail(session).record("import.start", "import_job", str(job.id), area_code=principal.scope)
    await session.commit()  # the job must exist before its task reports progress on it
    runner.start(job, path, principal.scope_prefix, principal.name, gate)
    return job_read(job)


async def _store(file: UploadFile, fmt: str) -> tuple[Path, int, str]:
    """The upload, copied to a private temporary file chunk by chunk; its size and SHA-256."""
    handle, name = tempfile.mkstemp(prefix="fangpin-import-", suffix=f".{fmt}")
    digest, size = hashlib.sha256(), 0
    with os.fdopen(handle, "wb") as out:
        while chunk := await file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Path(name), size, digest.hexdigest()


@router.get("/{job_id:uuid}", response_model=ImportJobRead)
async def get_import(job_id: uuid.UUID, principal: Importer, session: SessionDep) -> ImportJobRead:
    """An import job's status, progress, counts and refused rows."""
    job = await ImportJobRepository(session).get(job_id, principal.scope_prefix)
    if job is None:
        raise NotFound(f"No import job {job_id}", code="import_not_found")
    return job_read(job)


@router.get("/{job_id:uuid}/rows", response_model=Page[ImportRowRead])
async def list_import_rows(
    job_id: uuid.UUID,
    principal: Importer,
    session: ReadSessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ImportRowRead]:
    """The household and person each written row of an import created or matched, in file order (a
    dry run's job has none; a running job's, the batches done so far)."""
    repository = ImportJobRepository(session)
    job = await repository.get(job_id, principal.scope_prefix)
    if job is None:
        raise NotFound(f"No import job {job_id}", code="import_not_found")
    after = cursor_field(decode_cursor(cursor), "row", int) if cursor else 0
    rows = await repository.rows(job, principal.scope_prefix, after=after, limit=limit + 1)
    items = [ImportRowRead.model_validate(row) for row in rows[:limit]]
    following = encode_cursor({"row": items[-1].row}) if len(rows) > limit and items else None
    return Page[ImportRowRead](items=items, next_cursor=following)
