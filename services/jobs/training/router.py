"""Skills training (技能培训) and placement into work (就业安置): courses, who signed up, who finished,
who found a job where."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
from services.common.batches import answer_single
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.common.openapi import conflict_with_current
from services.common.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    PageCursor,
    PageLimit,
    cursor_field,
    decode_cursor,
    page_after,
)
from services.common.scope import WithinAsAskedQuery, WithinQuery
from services.common.text import NonBlankText
from services.jobs.shared.people import Lookup, PersonFacts, lookup_people, resolve_national_ids
from services.jobs.training.intake import CourseIntake, EnrolmentIntake
from services.jobs.training.placements import Placements
from services.jobs.training.repository import EnrolmentFilters, TrainingRepository
from services.jobs.training.schemas import (
    CourseCreate,
    CourseRead,
    CourseUpdate,
    EnrolmentBatch,
    EnrolmentBatchResult,
    EnrolmentCreate,
    EnrolmentItem,
    EnrolmentRead,
    EnrolmentStep,
)
from services.jobs.training.service import (
    CourseService,
    EnrolmentService,
    course_not_found,
    enrolment_not_found,
    read_courses,
    read_enrolment,
)
from services.jobs.training.workflow import EnrolmentState

router = APIRouter(prefix="/api/v1", tags=["training"])

Reader = Annotated[Principal, requires(Permission.employment_read)]
Manager = Annotated[Principal, requires(Permission.posts_manage)]
Enroller = Annotated[Principal, requires(Permission.employment_write)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


@router.post("/training-courses", response_model=CourseRead, status_code=201, responses=RETRY)
async def create_course(
    body: CourseCreate, principal: Manager, session: SessionDep, response: Response
) -> CourseRead:
    """Set up a course: provider, skill, where it is organised, dates, places; retrying with the same
    `id` answers the course it created."""
    item = (await CourseIntake(session).answer_items([body], principal))[0]
    answer_single(item, response)  # 200 for a retry; 409 for the id of another request
    assert item.id is not None
    course = await TrainingRepository(session).course_by_id(item.id)
    assert course is not None
    return (await read_courses(session, [course]))[0]


@router.get("/training-courses", response_model=Page[CourseRead])
async def list_courses(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinAsAskedQuery,
    skill: Annotated[NonBlankText | None, Query(max_length=50)] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[CourseRead]:
    """Courses of your area and of the areas above it (open to your villages)."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    rows = await TrainingRepository(session).courses(
        principal, within=within, skill=skill, after=after, limit=limit + 1
    )
    page = page_after(rows, limit, lambda c: c)
    return Page(items=await read_courses(session, page.items), next_cursor=page.next_cursor)


@router.get("/training-courses/{course_id:uuid}", response_model=CourseRead)
async def get_course(course_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> CourseRead:
    """One course, with the places taken."""
    course = await TrainingRepository(session).course(course_id, principal)
    if course is None:
        raise course_not_found(course_id)
    return (await read_courses(session, [course]))[0]


@router.patch(
    "/training-courses/{course_id:uuid}",
    response_model=CourseRead,
    responses=conflict_with_current(CourseRead),
)
async def update_course(
    course_id: uuid.UUID, body: CourseUpdate, principal: Manager, session: SessionDep
) -> CourseRead:
    """Change a course (with `base_version`; a stale one is 409 with the current course)."""
    course, old = await CourseService(session).update(course_id, body, principal)
    read = (await read_courses(session, [course]))[0]
    audit_trail(session).record(
        "training_course.update",
        "training_course",
        str(course.id),
        area_code=course.area_code,
        changes=diff(old, read.model_dump(mode="json")),
    )
    return read


def _lookup(request: Request) -> Lookup:
    async def lookup(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
        return await lookup_people(request, person_ids)

    return lookup


@router.post(
    "/training-courses/{course_id:uuid}/enrolments",
    response_model=EnrolmentRead,
    status_code=201,
    responses=RETRY,
)
async def enrol(
    course_id: uuid.UUID,
    body: EnrolmentCreate,
    principal: Enroller,
    request: Request,
    session: SessionDep,
    response: Response,
) -> EnrolmentRead:
    """Sign a person of your area up for the course (once per course, within its places); retrying with
    the same `id` answers the enrolment it made, whatever steps it has taken since."""
    repository = TrainingRepository(session)
    if await repository.course(course_id, principal) is None:
        raise course_not_found(course_id)
    item = EnrolmentItem(**body.model_dump(), course_id=course_id)
    answer = (await EnrolmentIntake(session, _lookup(request)).answer_items([item], principal))[0]
    answer_single(answer, response)
    assert answer.id is not None
    enrolment = await repository.any_enrolment(answer.id)
    assert enrolment is not None
    return read_enrolment(enrolment, principal)


@router.post("/training-enrolments/batch", response_model=EnrolmentBatchResult)
async def enrol_batch(
    body: EnrolmentBatch, principal: Enroller, request: Request, session: SessionDep
) -> EnrolmentBatchResult:
    """Up to 1,000 enrolments, each naming its `course_id`; each answered alone: created, duplicate,
    conflict, invalid or forbidden (a full course or a person already on it: conflict)."""
    return await EnrolmentIntake(session, _lookup(request)).take(body.items, principal)


@router.get("/training-enrolments", response_model=Page[EnrolmentRead])
async def list_enrolments(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    course_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    state: Annotated[EnrolmentState | None, Query(description=EnrolmentState.describe())] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[EnrolmentRead]:
    """Enrolments of people in your area, each with the `actions` you may take."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    filters = EnrolmentFilters(course_id, person_id, state.value if state else None, within)
    rows = await TrainingRepository(session).enrolments(
        principal.scope_prefix, filters, after=after, limit=limit + 1
    )
    return page_after(rows, limit, lambda e: read_enrolment(e, principal))


@router.get("/training-enrolments/{enrolment_id:uuid}", response_model=EnrolmentRead)
async def get_enrolment(enrolment_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> EnrolmentRead:
    """One enrolment, with the `actions` you may take."""
    enrolment = await TrainingRepository(session).enrolment(enrolment_id, principal.scope_prefix)
    if enrolment is None:
        raise enrolment_not_found(enrolment_id)
    return read_enrolment(enrolment, principal)


@router.post(
    "/training-enrolments/{enrolment_id:uuid}/actions",
    response_model=EnrolmentRead,
    responses=conflict_with_current(EnrolmentRead),
)
async def take_step(
    enrolment_id: uuid.UUID, body: EnrolmentStep, principal: Enroller, request: Request, session: SessionDep
) -> EnrolmentRead:
    """Complete (with the certificate), drop (with the reason), place into a job (employer, place and its
    code, start, income: the person's employment record is made with it) or leave that job (the day and
    reason: a record of not working follows), as the enrolment's `actions` allow; carries
    `base_version`. The same step again (a retry) answers the enrolment as it stands: no effect."""

    async def resolve(numbers: list[str]) -> Any:
        return await resolve_national_ids(request, numbers)

    placements = Placements(session, _lookup(request), resolve)
    enrolment, changed = await EnrolmentService(session, placements).act(enrolment_id, body, principal)
    if changed:
        audit_trail(session).record(
            f"training_enrolment.{body.action.value}",
            "training_enrolment",
            str(enrolment.id),
            area_code=enrolment.area_code,
            changes=body.model_dump(mode="json", exclude={"base_version"}, exclude_none=True),
        )
    return read_enrolment(enrolment, principal)
