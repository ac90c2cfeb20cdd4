"""What every ledger endpoint (台账 export) shares: the format parameter and the streamed answer with its
file name. Its area is a filter like a list's (services/common/scope: WithinQuery); the writing itself is
services/common/spreadsheets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import Select, func, select

from services.common.audit.requests import trail_for
from services.common.audit.store import AuditStore
from services.common.audit.trail import AuditEntry, Outcome
from services.common.auth import Principal
from services.common.database import get_database, read_partitions
from services.common.exports.runner import ExportRunner
from services.common.spreadsheets import Column, Partitions, Sheet, csv_stream, xlsx_stream

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PARTITION = 1000  # rows read from the database, and written, at a time
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}, "text/csv": {}}, "description": "The ledger file"},
    202: {
        "description": "More rows than the service streams at once: an export job writes the file in "
        "the background; follow the Location (…/exports/{id}) for its progress and download link",
    },
}

Format = Literal["xlsx", "csv"]
FormatQuery = Annotated[Format, Query(description="xlsx (default) or csv")]


def ledger_file(
    name: str, format: Format, sheet: str, columns: Sequence[Column], rows: Partitions
) -> StreamingResponse:
    """The ledger as one sheet (XLSX) or table (CSV), streamed, as an attachment ``name``.format."""
    if format == "xlsx":
        stream, media_type = xlsx_stream([Sheet(sheet, columns, rows)]), XLSX
    else:
        stream, media_type = csv_stream(columns, rows), CSV
    return StreamingResponse(
        stream,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


async def ledger_answer(
    request: Request,
    principal: Principal,
    resource: str,
    query: Select[Any],
    *,
    name: str,
    format: Format,
    sheet: str,
    columns: Sequence[Column],
    through: Callable[[Partitions], Partitions] | None = None,
) -> Response:
    """The ledger of ``query`` streamed in the answer, or — when it has more rows than the service's
    ``export_inline_max_rows`` — an export job written in the background (202, with where to follow it).

    The rows are read in partitions on a session of their own (the request's is gone once the answer
    starts); ``through`` sees each partition before it is written (e.g. ``audited``)."""
    limit = request.app.state.settings.export_inline_max_rows
    database = get_database(request)
    rows: Partitions = read_partitions(database, query, PARTITION)
    if through is not None:
        rows = through(rows)
    async with database.read_sessionmaker() as session:
        total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if not total or total <= limit:
        return ledger_file(name, format, sheet, columns, rows)
    runner: ExportRunner = request.app.state.export_runner
    job_id = await runner.start(
        resource=resource,
        file_name=f"{name}.{format}",
        media_type=XLSX if format == "xlsx" else CSV,
        requested_by=principal.id,
        rows_total=total,
        partitions=rows,
        write=(lambda p: xlsx_stream([Sheet(sheet, columns, p)]))
        if format == "xlsx"
        else (lambda p: csv_stream(columns, p)),
    )
    location = f"/api/v1/{resource}/exports/{job_id}"
    body = {"id": str(job_id), "status": "running", "rows_total": total, "rows_done": 0, "follow": location}
    return JSONResponse(body, status_code=202, headers={"Location": location})


async def audited(
    request: Request,
    principal: Principal,
    partitions: Partitions,
    entries: Callable[[Sequence[Any]], list[AuditEntry]],
) -> AsyncIterator[Sequence[Any]]:
    """The partitions, each let through only once its audit entries (say, one per ID number shown in
    full) are committed: the request's unit of work is over by the time a streamed file is written."""
    store: AuditStore | None = getattr(request.app.state, "audit_store", None)
    database = get_database(request)
    trail = trail_for(request)
    trail.principal = principal
    async for rows in partitions:
        trail.entries = entries(rows)
        if store is not None and trail.entries:
            async with database.sessionmaker() as session, session.begin():
                await store.append(session, trail, Outcome.success, status=None)
        yield rows
