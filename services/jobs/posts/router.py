"""Public-welfare posts (公益岗): set up by the county, held by people near home, places never over-filled."""

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
from services.common.scope import WithinQuery
from services.common.text import IsoDate
from services.jobs.posts.intake import AssignmentIntake, PostIntake
from services.jobs.posts.repository import AssignmentFilters, PostFilters, PostRepository
from services.jobs.posts.schemas import (
    AssignmentBatch,
    AssignmentBatchResult,
    AssignmentCreate,
    AssignmentEnd,
    AssignmentItem,
    AssignmentRead,
    FundingSource,
    PostBatch,
    PostBatchResult,
    PostCreate,
    PostRead,
    PostType,
    PostUpdate,
)
from services.jobs.posts.service import (
    AssignmentService,
    PostService,
    assignment_not_found,
    post_not_found,
    read_posts,
)
from services.jobs.shared.people import Lookup, PersonFacts, lookup_people

router = APIRouter(prefix="/api/v1", tags=["public-welfare posts"])

Reader = Annotated[Principal, requires(Permission.employment_read)]
Manager = Annotated[Principal, requires(Permission.posts_manage)]
Assigner = Annotated[Principal, requires(Permission.employment_write)]
RETRY: dict[int | str, dict[str, Any]] = {200: {"description": "The same request again (a retry): no effect"}}


def _lookup(request: Request) -> Lookup:
    async def lookup(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
        return await lookup_people(request, person_ids)

    return lookup


def _assignments(request: Request, session: SessionDep) -> AssignmentIntake:
    limit = request.app.state.settings.max_active_posts_per_person
    return AssignmentIntake(session, _lookup(request), limit)


@router.post("/welfare-posts", response_model=PostRead, status_code=201, responses=RETRY)
async def create_post(
    body: PostCreate, principal: Manager, session: SessionDep, response: Response
) -> PostRead:
    """Set up a post: type, funding source (a photovoltaic one names its station), subsidy, places, period;
    retrying with the same `id` answers the post it created."""
    intake = PostIntake(session)
    item = (await intake.answer_items([body], principal))[0]
    answer_single(item, response)  # 200 for a retry; 409 for the id of another request
    assert item.id is not None
    post = await PostRepository(session).get_any(item.id)
    assert post is not None  # created or found by its digest in the caller's area
    return (await read_posts(session, [post]))[0]


@router.post("/welfare-posts/batch", response_model=PostBatchResult)
async def create_posts_batch(body: PostBatch, principal: Manager, session: SessionDep) -> PostBatchResult:
    """Up to 1,000 posts; each answered alone: created, duplicate, conflict, invalid or forbidden."""
    return await PostIntake(session).take(body.items, principal)


@router.get("/welfare-posts", response_model=Page[PostRead])
async def list_posts(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    funding_source: Annotated[FundingSource | None, Query(description=FundingSource.describe())] = None,
    type: Annotated[PostType | None, Query(description=PostType.describe())] = None,  # noqa: A002
    in_force_on: Annotated[IsoDate | None, Query(description="Only posts in force on this date")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[PostRead]:
    """Posts in your area, with the places held today."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    filters = PostFilters(
        within=within,
        funding_source=funding_source.value if funding_source else None,
        post_type=type.value if type else None,
        in_force_on=in_force_on,
    )
    rows = await PostRepository(session).list(principal.scope_prefix, filters, after=after, limit=limit + 1)
    page = page_after(rows, limit, lambda p: p)
    return Page(items=await read_posts(session, page.items), next_cursor=page.next_cursor)


@router.get("/welfare-posts/{post_id:uuid}", response_model=PostRead)
async def get_post(post_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> PostRead:
    """One post, with the places held today."""
    post = await PostRepository(session).get(post_id, principal.scope_prefix)
    if post is None:
        raise post_not_found(post_id)
    return (await read_posts(session, [post]))[0]


@router.patch(
    "/welfare-posts/{post_id:uuid}", response_model=PostRead, responses=conflict_with_current(PostRead)
)
async def update_post(
    post_id: uuid.UUID, body: PostUpdate, principal: Manager, session: SessionDep
) -> PostRead:
    """Change a post (with `base_version`; a stale one is 409 with the current post)."""
    post, old = await PostService(session).update(post_id, body, principal)
    new = PostRead.model_validate(post).model_dump(mode="json")
    audit_trail(session).record(
        "welfare_post.update", "welfare_post", str(post.id), area_code=post.area_code, changes=diff(old, new)
    )
    return (await read_posts(session, [post]))[0]


@router.post(
    "/welfare-posts/{post_id:uuid}/assignments",
    response_model=AssignmentRead,
    status_code=201,
    responses=RETRY,
)
async def assign_post(
    post_id: uuid.UUID,
    body: AssignmentCreate,
    principal: Assigner,
    request: Request,
    session: SessionDep,
    response: Response,
) -> AssignmentRead:
    """Give a person in your area a place on the post (409 when it is full or they hold a post already);
    retrying with the same `id` answers the assignment it made, even if it has ended since."""
    repository = PostRepository(session)
    if await repository.get(post_id, principal.scope_prefix) is None:
        raise post_not_found(post_id)
    item = AssignmentItem(**body.model_dump(), post_id=post_id)
    answer = (await _assignments(request, session).answer_items([item], principal))[0]
    answer_single(answer, response)
    assert answer.id is not None
    assignment = await repository.any_assignment(answer.id)
    assert assignment is not None
    return AssignmentRead.model_validate(assignment)


@router.post("/post-assignments/batch", response_model=AssignmentBatchResult)
async def assign_posts_batch(
    body: AssignmentBatch, principal: Assigner, request: Request, session: SessionDep
) -> AssignmentBatchResult:
    """Up to 1,000 assignments, each naming its `post_id`; each answered alone: created, duplicate,
    conflict, invalid or forbidden (a full post or a person holding a post already: conflict)."""
    return await _assignments(request, session).take(body.items, principal)


@router.get("/post-assignments", response_model=Page[AssignmentRead])
async def list_assignments(
    principal: Reader,
    session: ReadSessionDep,
    within: WithinQuery,
    post_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    held_on: Annotated[IsoDate | None, Query(description="Only places held on this date")] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Page[AssignmentRead]:
    """Who holds (or held) which post, for people in your area."""
    after = cursor_field(decode_cursor(cursor), "after", uuid.UUID)
    filters = AssignmentFilters(post_id, person_id, household_id, within, held_on)
    rows = await PostRepository(session).list_assignments(
        principal.scope_prefix, filters, after=after, limit=limit + 1
    )
    return page_after(rows, limit, AssignmentRead.model_validate)


@router.get("/post-assignments/{assignment_id:uuid}", response_model=AssignmentRead)
async def get_assignment(
    assignment_id: uuid.UUID, principal: Reader, session: ReadSessionDep
) -> AssignmentRead:
    """One person's place on a post."""
    assignment = await PostRepository(session).assignment(assignment_id, principal.scope_prefix)
    if assignment is None:
        raise assignment_not_found(assignment_id)
    return AssignmentRead.model_validate(assignment)


@router.post("/post-assignments/{assignment_id:uuid}/end", response_model=AssignmentRead)
async def end_assignment(
    assignment_id: uuid.UUID, body: AssignmentEnd, principal: Assigner, request: Request, session: SessionDep
) -> AssignmentRead:
    """End a person's place on the post on a date, with the reason (the same end again: no effect)."""
    assignment, ended = await AssignmentService(session).end(assignment_id, body, principal)
    if ended:
        audit_trail(session).record(
            "post_assignment.end",
            "post_assignment",
            str(assignment.id),
            area_code=assignment.area_code,
            changes={"ends_on": body.ends_on.isoformat(), "reason": body.reason},
        )
    return AssignmentRead.model_validate(assignment)
