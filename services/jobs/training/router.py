"""Skills training (技能培训) and placement into work (就业安置): courses, who signed up, who finished,
who found a job where."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.common.audit import audit_trail, diff
from services.common.auth import Permission, Principal
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
from services.jobs.shared.people import PersonFacts, lookup_people
from services.jobs.training.repository import EnrolmentFilters, TrainingRepository
from services.jobs.training.schemas import (
    CourseCreate,
    CourseRead,
    CourseUpdate,
    EnrolmentCreate,
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
    """Set up a course: provider, skill, where it is organised, dates, places."""
    course, created = await CourseService(session).create(body, principal)
    if created:
        audit_trail(session).record(
            "training_course.create", "training_course", str(course.id), area_code=course.area_code
        )
    else:
        response.status_code = 200
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
    """Sign a person of your area up for the course (once per course, within its places)."""

    async def lookup(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
        return await lookup_people(request, person_ids)

    enrolment, created = await EnrolmentService(session, lookup).enrol(course_id, body, principal)
    if created:
        audit_trail(session).record(
            "training_enrolment.create",
            "training_enrolment",
            str(enrolment.id),
            area_code=enrolment.area_code,
            changes={"course_id": str(course_id), "person_id": str(enrolment.person_id)},
        )
    else:
        response.status_code = 200
    return read_enrolment(enrolment, principal)


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
    enrolment_id: uuid.UUID, body: EnrolmentStep, principal: Enroller, session: SessionDep
) -> EnrolmentRead:
    """Complete (with the certificate), drop (with the reason) or place into a job (employer, place,
    start, income), as the enrolment's `actions` allow; carries `base_version`."""
    enrolment = await EnrolmentService(session).act(enrolment_id, body, principal)
    audit_trail(session).record(
        f"training_enrolment.{body.action.value}",
        "training_enrolment",
        str(enrolment.id),
        area_code=enrolment.area_code,
        changes=body.model_dump(mode="json", exclude={"base_version"}, exclude_none=True),
    )
    return read_enrolment(enrolment, principal)
