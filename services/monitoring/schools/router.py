"""School-age children (控辍保学): the ledger's children, their edits, the police population feed and
the figures; thin endpoints over ``service.ChildService`` and ``intake.PopulationIntake``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import ledgers
from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
from services.common.calendar import china_today
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
from services.common.peers import call_peer
from services.common.scope import OptionalAreaQuery, WithinQuery, area_in_scope
from services.common.text import IsoDate
from services.monitoring.schools.figures import school_stats
from services.monitoring.schools.intake import BlindIndex, PopulationIntake
from services.monitoring.schools.ledger import child_ledger
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.repository import ChildRepository
from services.monitoring.schools.schemas import (
    ChildRead,
    ChildUpdate,
    PopulationBatch,
    PopulationBatchResult,
    ProofSet,
    ReturnStepIn,
    SchoolStats,
    StudyPlace,
)
from services.monitoring.schools.service import ChildService, child_not_found, snapshot

router = APIRouter(prefix="/api/v1", tags=["school-age children"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Writer = Annotated[Principal, requires(Permission.schools_write)]
Pusher = Annotated[Principal, requires(Permission.partner_feeds_push)]
Figures = Annotated[Principal, requires(Permission.aggregates_read)]
AsOf = Annotated[IsoDate | None, Query(description="Aged 6–15 on this day (default today)")]


def _audit(session: Any, action: str, child: SchoolChild, changes: dict[str, Any]) -> None:
    audit_trail(session).record(
        action, "school_child", str(child.id), area_code=child.area_code, changes=changes
    )


@router.get("/school-children", response_model=Page[ChildRead])
async def list_children(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    as_of: Annotated[IsoDate | None, Query(description="Only those aged 6–15 on this day")] = None,
    study_place: Annotated[StudyPlace | None, Query(description=StudyPlace.describe())] = None,
    proven: Annotated[bool | None, Query(description="With (true) or without (false) proof")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[ChildRead]:
    """Children in your area (控辍保学台账): from the registry and the police population data."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await ChildRepository(session).page(
        principal.scope_prefix,
        within,
        as_of=as_of,
        study_place=study_place,
        proven=proven,
        after=after,
        limit=limit + 1,
    )
    return page_after(rows, limit, ChildRead.model_validate)


@router.get("/school-children/export", response_class=StreamingResponse, responses=ledgers.RESPONSES)
async def export_children(
    principal: Reader,
    session: ReadSessionDep,
    request: Request,
    within: WithinQuery,
    as_of: AsOf = None,
    format: ledgers.FormatQuery = "xlsx",
) -> Response:
    """The 控辍保学 ledger as a spreadsheet with Chinese column headers: each child aged 6–15 on the
    day, by village, with where the child studies, the proof and the way back to school."""
    return await child_ledger(request, session, principal, within, as_of or china_today(), format)


@router.get("/school-children/{child_id:uuid}", response_model=ChildRead)
async def get_child(child_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> ChildRead:
    """One child."""
    child = await ChildRepository(session).get(child_id, principal.scope_prefix)
    if child is None:
        raise child_not_found(child_id)
    return ChildRead.model_validate(child)


@router.patch("/school-children/{child_id:uuid}", response_model=ChildRead)
async def update_child(
    child_id: uuid.UUID, body: ChildUpdate, principal: Writer, session: SessionDep
) -> ChildRead:
    """Where the child studies, the school, grade and teacher in charge (with `base_version`; a stale
    one is 409). A new place drops the proof; not_in_school needs the reason and raises the household's
    义务教育未保障 alert once."""
    service = ChildService(session)
    before = snapshot(await service.found(child_id, principal))
    child = await service.update(child_id, body, principal)
    _audit(session, "school_child.update", child, diff(before, snapshot(child)))
    return ChildRead.model_validate(child)


@router.put("/school-children/{child_id:uuid}/proof", response_model=ChildRead)
async def prove_child(
    child_id: uuid.UUID, body: ProofSet, principal: Writer, session: SessionDep
) -> ChildRead:
    """Proof of enrolment (取证): the document, its photo, the day; you are recorded as who took it."""
    service = ChildService(session)
    before = snapshot(await service.found(child_id, principal))
    child = await service.prove(child_id, body, principal)
    _audit(session, "school_child.proof", child, diff(before, snapshot(child)))
    return ChildRead.model_validate(child)


@router.post("/school-children/{child_id:uuid}/return-steps", response_model=ChildRead)
async def return_step(
    child_id: uuid.UUID, body: ReturnStepIn, principal: Writer, session: SessionDep
) -> ChildRead:
    """The next step of bringing a child out of school back (劝返): found → persuaded → returned (with
    where the child studies now), each dated; out of order is 409."""
    service = ChildService(session)
    before = snapshot(await service.found(child_id, principal))
    child = await service.step(child_id, body, principal)
    _audit(session, f"school_child.{body.step.value}", child, diff(before, snapshot(child)))
    return ChildRead.model_validate(child)


@router.post("/school-children/population/batch", response_model=PopulationBatchResult)
async def push_population(
    body: PopulationBatch, principal: Pusher, session: SessionDep, request: Request
) -> PopulationBatchResult:
    """Up to 1,000 children from the police population data (公安), each answered alone: created,
    duplicate (the same record again: no effect), conflict, forbidden (a village outside your area) or
    invalid. A child the registry has is matched to it by ID number; the number is never stored."""
    settings = request.app.state.settings
    index = BlindIndex(settings.population_index_key or settings.service_token_secret)

    async def resolve(numbers: list[str]) -> list[dict[str, Any] | None]:
        answer = await call_peer(
            request,
            request.app.state.registry_peer,
            "registry",
            "/internal/v1/people/resolve",
            {"national_ids": numbers},
        )
        return answer["matches"]

    result = await PopulationIntake(session, resolve, index).take(body.records, principal)
    audit_trail(session).record(
        "school_child.population",
        "population_feed",
        None,
        area_code=principal.scope,
        changes={"created": result.created, "duplicates": result.duplicates, "failed": result.failed},
    )
    return result


@router.get("/school-stats", response_model=SchoolStats)
async def get_school_stats(
    principal: Figures, session: ReadSessionDep, area: OptionalAreaQuery = None, as_of: AsOf = None
) -> SchoolStats:
    """控辍保学 figures: children aged 6–15 on the day, by where they study, the proven share of those in
    school, the unproven outside the county by family, out of school and brought back."""
    return await school_stats(session, area_in_scope(area, principal), as_of or china_today())
