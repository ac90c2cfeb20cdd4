"""Registry endpoints: thin, one-line docstrings (they become the OpenAPI summaries)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from services.common.area_codes import AreaLevel
from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.database import ReadSessionDep, SessionDep
from services.common.errors import ValidationFailed
from services.common.guards import requires
from services.common.pagination import DEFAULT_PAGE_SIZE, Page, PageCursor, PageLimit
from services.common.scope import WithinAsAskedQuery
from services.common.text import IsoDate
from services.registry.areas.code_table import TableFileError, read_table
from services.registry.areas.import_service import AreaImportService, audit_changes
from services.registry.areas.merge import AreaMergeCreate, AreaMergeRead, AreaMergeService
from services.registry.areas.schemas import AreaCreate, AreaImportReport, AreaNameRead, AreaRead
from services.registry.areas.service import AreaService
from services.registry.households.router import Vault

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])
# Loading the official table is a resource of its own: under /areas, "import" would read as an area code.
imports_router = APIRouter(prefix="/api/v1/area-imports", tags=["areas"])

AreaCodePath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit division code")]
TABLE_FILE = (
    "CSV of the official table: code, name and, optionally, the urban-rural class (城乡分类代码), "
    "with or without a header row; UTF-8 or GB18030"
)
Reader = Annotated[Principal, requires(Permission.areas_read)]
Writer = Annotated[Principal, requires(Permission.areas_write)]


@router.post(
    "",
    response_model=AreaRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": AreaRead, "description": "The same area already existed (a retried request)"}},
)
async def create_area(
    body: AreaCreate, principal: Writer, session: SessionDep, response: Response
) -> AreaRead:
    """Create an administrative division (行政区划); repeating the same request returns the existing one."""
    result = await AreaService(session).create(body, principal)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result.area


@router.get("", response_model=Page[AreaRead])
async def list_areas(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinAsAskedQuery,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
    parent: Annotated[
        str | None, Query(pattern=r"^[0-9]{12}$", description="Only direct children of")
    ] = None,
    level: AreaLevel | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Name contains")] = None,
) -> Page[AreaRead]:
    """List areas in code order, filtered by parent, level, name or code prefix."""
    return await AreaService(session).list(
        principal.scope_prefix,
        limit=limit,
        cursor=cursor,
        parent_code=parent,
        level=level,
        name_contains=q,
        code_prefix=within,
    )


@router.get("/{code}", response_model=AreaRead)
async def get_area(code: AreaCodePath, principal: Reader, session: SessionDep) -> AreaRead:
    """Read one area by its code (areas outside the caller's scope are not found)."""
    return await AreaService(session).get(code, principal.scope_prefix)


@router.get("/{code}/names", response_model=list[AreaNameRead])
async def list_area_names(
    code: AreaCodePath, principal: Reader, session: ReadSessionDep
) -> list[AreaNameRead]:
    """The names an area has had, oldest first, each with the day it is in use from."""
    return await AreaService(session).names(code, principal.scope_prefix)


@router.get("/{code}/children", response_model=Page[AreaRead])
async def list_area_children(
    code: AreaCodePath,
    principal: Reader,
    session: ReadSessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AreaRead]:
    """List the areas directly below one area."""
    return await AreaService(session).children(code, principal.scope_prefix, limit=limit, cursor=cursor)


@imports_router.post("", response_model=AreaImportReport)
async def import_area_codes(
    principal: Writer,
    session: SessionDep,
    file: Annotated[UploadFile, File(description=TABLE_FILE)],
    effective_on: Annotated[
        IsoDate | None, Form(description="New names are in use from this day (default: today in China)")
    ] = None,
    dry_run: Annotated[bool, Form(description="Compare and report, write nothing")] = False,
) -> AreaImportReport:
    """Load the official division table (统计用区划代码): create and rename areas, report vanished codes."""
    source = PurePath(file.filename or "upload").name[:255]
    if PurePath(source).suffix.lower() not in (".csv", ".txt"):  # as the ledger import: say what it is
        raise ValidationFailed.field(
            ["body", "file"], f"Give the table as a .csv file (not {source!r})", "file_type"
        )
    try:
        # Parsing a province's table takes a moment of CPU: off the event loop.
        table = await run_in_threadpool(read_table, await file.read())
    except TableFileError as exc:
        raise ValidationFailed.field(["body", "file"], str(exc), exc.code) from exc
    report = await AreaImportService(session).run(
        table, principal, effective_on or china_today(), dry_run=dry_run
    )
    audit_trail(session).record(
        "area.import", "area_import", source, area_code=principal.scope, changes=audit_changes(report, source)
    )
    return report


merges_router = APIRouter(prefix="/api/v1/area-merges", tags=["areas"])
Merger = Annotated[Principal, requires(Permission.areas_merge)]


@merges_router.post(
    "",
    response_model=AreaMergeRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": AreaMergeRead, "description": "This merge was already done (a retry)"}},
)
async def merge_villages(
    body: AreaMergeCreate, principal: Merger, session: SessionDep, vault: Vault, response: Response
) -> AreaMergeRead:
    """Merge villages into one (行政村合并): households move, old codes stay resolvable, history is kept."""
    merge, created = await AreaMergeService(session, vault).merge(body, principal)
    if created:
        audit_trail(session).record(
            "area.merge",
            "area",
            merge.target_code,
            area_code=merge.target_code,
            changes={
                "merged": [None, merge.source_codes],
                "households_moved": [None, merge.households_moved],
            },
        )
    else:
        response.status_code = status.HTTP_200_OK
    return AreaMergeRead.model_validate(merge)
