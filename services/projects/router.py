"""The project library (项目库) and its money: thin endpoints over ``service.ProjectService``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
from services.common.concurrency import IfMatch
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    page_after,
)
from services.common.scope import WithinQuery
from services.common.text import IsoDate
from services.projects.assets.repository import AssetRepository
from services.projects.assets.service import check_due_on, last_check_year_due
from services.projects.codes import ProjectState, Sector
from services.projects.ledger import project_ledger
from services.projects.repository import ProjectFilters, ProjectRepository
from services.projects.schemas import (
    MovementCreate,
    MovementRead,
    ProjectActionRequest,
    ProjectCreate,
    ProjectDetail,
    ProjectRead,
    ProjectUpdate,
    ProjectWarning,
    StepRead,
)
from services.projects.service import ProjectService, project_not_found

router = APIRouter(prefix="/api/v1", tags=["projects and funds"])

Reader = Annotated[Principal, requires(Permission.projects_read)]
Reporter = Annotated[Principal, requires(Permission.projects_report)]
Manager = Annotated[Principal, requires(Permission.projects_manage)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("/projects", response_model=ProjectRead, status_code=201, responses=RETRY)
async def create_project(
    body: ProjectCreate, principal: Manager, session: SessionDep, response: Response
) -> ProjectRead:
    """Enter a project in the library (入库) with its budget by funding source, in fen."""
    service = ProjectService(session)
    project, created = await service.create(body, principal)
    if created:
        budget = {line.source.value: line.budget_fen for line in body.budget}
        audit_trail(session).record(
            "project.create",
            "project",
            str(project.id),
            area_code=project.area_code,
            changes={"budget_fen": [None, budget]},
        )
    else:
        response.status_code = 200
    _etag(response, project.version)
    return (await service.read([project], principal))[0]


@router.get("/projects", response_model=Page[ProjectRead])
async def list_projects(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    sector: Annotated[Sector | None, Query(description=Sector.describe())] = None,
    state: Annotated[ProjectState | None, Query(description=ProjectState.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ProjectRead]:
    """Projects in your area, with their money and the steps you may take."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    filters = ProjectFilters(
        within=within,
        year=year,
        sector=sector.value if sector else None,
        state=state.value if state else None,
    )
    rows = await ProjectRepository(session).page(
        principal.scope_prefix, filters, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda p: p)
    return Page(
        items=await ProjectService(session).read(list(page.items), principal), next_cursor=page.next_cursor
    )


@router.get("/projects/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_project_ledger(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year's projects")] = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The project library ledger (项目库台账) as a spreadsheet with Chinese column headers: each
    project's funding lines (source, budget, received and paid in fen) beside its year, area (code and
    name), sector, unit, state and dates."""
    return await project_ledger(request, session, principal, within, year, format)


@router.get("/projects/{project_id:uuid}", response_model=ProjectDetail)
async def get_project(
    project_id: uuid.UUID, principal: Reader, session: ReadSessionDep, response: Response
) -> ProjectDetail:
    """One project, with its money by source, its steps and the steps you may take now (ETag: its version)."""
    repository = ProjectRepository(session)
    project = await repository.get(project_id, principal.scope_prefix)
    if project is None:
        raise project_not_found(project_id)
    read = (await ProjectService(session).read([project], principal))[0]
    steps = [StepRead.model_validate(s) for s in await repository.steps_of(project.id)]
    _etag(response, project.version)
    return ProjectDetail(**read.model_dump(), steps=steps)


@router.patch("/projects/{project_id:uuid}", response_model=ProjectRead)
async def update_project(
    project_id: uuid.UUID, body: ProjectUpdate, principal: Manager, session: SessionDep, response: Response
) -> ProjectRead:
    """Correct a project's name, unit, flags or note (with `base_version`; a stale one is 409)."""
    service = ProjectService(session)
    project, before = await service.update(project_id, body, principal)
    after = (await service.read([project], principal))[0]
    audit_trail(session).record(
        "project.update",
        "project",
        str(project.id),
        area_code=project.area_code,
        changes=diff(before, after.model_dump(mode="json")),
    )
    _etag(response, project.version)
    return after


@router.post("/projects/{project_id:uuid}/actions", response_model=ProjectRead)
async def take_step(
    project_id: uuid.UUID,
    body: ProjectActionRequest,
    principal: Reporter,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    """Take a step: approve, start, complete, accept, hand over; adjust or cancel (reason and document).
    `on` is the day it happened; the version (If-Match or `base_version`) is checked when sent."""
    service = ProjectService(session)
    project, step = await service.act(project_id, body, principal, if_match)
    audit_trail(session).record(
        f"project.{step.action}",
        "project",
        str(project.id),
        area_code=project.area_code,
        changes={"state": [step.from_state, step.to_state], "on": [None, str(step.taken_on)]}
        | ({"adjusted": [None, step.changes]} if step.changes else {}),
    )
    _etag(response, project.version)
    return (await service.read([project], principal))[0]


@router.post(
    "/projects/{project_id:uuid}/fund-movements",
    response_model=MovementRead,
    status_code=201,
    responses=RETRY,
)
async def record_movement(
    project_id: uuid.UUID, body: MovementCreate, principal: Manager, session: SessionDep, response: Response
) -> MovementRead:
    """Money received (到位) or paid (支付) on one budget line, in fen. Paid never exceeds received and
    received never exceeds the budget: a movement that would is 422 and changes nothing."""
    movement, before = await ProjectService(session).record_movement(project_id, body, principal)
    if before is None:
        response.status_code = 200
    else:
        total = f"{movement.kind}_fen"
        audit_trail(session).record(
            f"project.fund_{movement.kind}",
            "project",
            str(project_id),
            area_code=movement.area_code,
            changes={
                f"{movement.source}.{total}": [before[total], before[total] + movement.amount_fen],
                "movement": [
                    None,
                    {"id": str(movement.id), "voucher": movement.voucher, "on": str(movement.moved_on)},
                ],
            },
        )
    return MovementRead.model_validate(movement)


@router.get("/projects/{project_id:uuid}/fund-movements", response_model=Page[MovementRead])
async def list_movements(
    project_id: uuid.UUID,
    principal: Reader,
    session: ReadSessionDep,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[MovementRead]:
    """The project's money trail: every sum received and paid, with its voucher."""
    repository = ProjectRepository(session)
    if await repository.get(project_id, principal.scope_prefix) is None:
        raise project_not_found(project_id)
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await repository.movements_of(project_id, after=after, limit=limit + 1)
    return page_after(rows, limit, MovementRead.model_validate)


WARNINGS = {
    "start": ("start_overdue", "开工滞后"),
    "completion": ("completion_overdue", "完工逾期"),
    "asset_check": ("asset_check_overdue", "资产核查逾期"),
    "notice_due": ("notice_due", "公示期满待处理"),
}


@router.get("/project-warnings", response_model=Page[ProjectWarning])
async def list_warnings(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    kind: Annotated[
        Literal["start", "completion", "asset_check", "notice_due"],
        Query(
            description="A late start (开工滞后), a late completion (完工逾期), an asset's yearly check not "
            "done by its deadline (31 March; 资产核查逾期), or a notice whose period ended with no decision"
        ),
    ],
    as_of: Annotated[
        IsoDate | None, Query(description="As things stood on this date (default today)")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ProjectWarning]:
    """Projects in your area behind their plan on a date: a planned start passed without a start, or a
    planned end passed without completion (cancelled ones are not warned of). Assets held since before
    the latest year whose check deadline (31 March) had passed, without that year's check done by the
    date (disposed ones are not). Notices whose period had ended by the date without taking effect or
    being withdrawn."""
    day = as_of or china_today()
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    code, label = WARNINGS[kind]
    if kind == "asset_check":
        year = last_check_year_due(day)
        assets = await AssetRepository(session).unchecked(
            principal.scope_prefix, within, day, year, after=after, limit=limit + 1
        )
        return page_after(
            assets,
            limit,
            lambda a: ProjectWarning(
                project_id=a.project_id,
                asset_id=a.id,
                name=a.name,
                area_code=a.area_code,
                sector=None,
                kind=code,
                label=label,
                due_on=check_due_on(year),
                days_overdue=(day - check_due_on(year)).days,
            ),
        )
    if kind == "notice_due":
        notices = await AssetRepository(session).notices_due(
            principal.scope_prefix, within, day, after=after, limit=limit + 1
        )
        return page_after(
            notices,
            limit,
            lambda n: ProjectWarning(
                project_id=None,
                asset_id=n.asset_id,
                notice_id=n.id,
                name=f"{n.place} · {n.subject}",
                area_code=n.area_code,
                sector=None,
                kind=code,
                label=label,
                due_on=n.posted_to,
                days_overdue=(day - n.posted_to).days,
            ),
        )
    rows = await ProjectRepository(session).behind_plan(
        principal.scope_prefix, within, day, kind, after=after, limit=limit + 1
    )

    def warning(project: Any) -> ProjectWarning:
        due = project.planned_start_on if kind == "start" else project.planned_end_on
        return ProjectWarning(
            project_id=project.id,
            name=project.name,
            area_code=project.area_code,
            sector=project.sector,
            kind=code,
            label=label,
            due_on=due,
            days_overdue=(day - due).days,
        )

    return page_after(rows, limit, warning)
