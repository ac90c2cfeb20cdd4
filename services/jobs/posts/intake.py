"""Posts and assignments on the one batch intake (services/jobs/shared/intake): a batch of up to 1,000,
or the single endpoint's one item, each answered alone and retried exactly by its request's digest.

A post is checked on its own (area, station, dates) and the new ones go in with one insert. An
assignment needs its post (in the caller's area) and its person (asked of the registry, after the
retries are answered), then the places: every person of the batch is locked, then every post, each in
id order, so concurrent batches and single requests never deadlock; each item then runs the single
request's checks in a savepoint of its own, so a full post refuses only its item.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_within
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.errors import FangpinError, NotFound
from services.common.intake import Entry, Refuse, summary
from services.common.scope import area_to_create_in
from services.jobs.posts.models import PostAssignment, WelfarePost
from services.jobs.posts.repository import PostRepository
from services.jobs.posts.schemas import (
    AssignmentBatchResult,
    AssignmentItem,
    AssignmentItemResult,
    PostBatchResult,
    PostCreate,
    PostItemResult,
)
from services.jobs.posts.service import POST_FIELDS, AssignmentRules, check_station, post_not_found
from services.jobs.shared.checks import check_dates, invalid
from services.jobs.shared.intake import JobsIntake
from services.jobs.shared.people import Lookup, PersonFacts
from services.jobs.stations.repository import StationRepository
from services.jobs.stations.rules import station_refusal


@dataclass(eq=False)
class _Post(Entry):
    item: PostCreate
    key: uuid.UUID


class PostIntake(JobsIntake[_Post, PostItemResult]):
    model = PostCreate
    result_model = PostItemResult
    entry_type = _Post
    invalid_detail = "Item {index} is not a valid post"
    what = "Post"

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.repository = PostRepository(session)

    async def take(self, raws: Sequence[Any], principal: Principal) -> PostBatchResult:
        items = await self.answer_items(raws, principal)
        return PostBatchResult(**summary(items), items=items)

    def check(self, item: PostCreate, loc: list[str | int]) -> None:
        area_to_create_in(item.area_code, self.principal, at=loc)
        check_station(item.funding_source, item.station_id, loc)
        check_dates(item.starts_on, item.ends_on, loc)

    async def admit(self, entries: list[_Post], refuse: Refuse) -> None:
        """A photovoltaic post's station: known to jobs, in the caller's area, the post in its village."""
        named = [e.item.station_id for e in entries if e.item.station_id is not None]
        stations = await StationRepository(self.session).many(named, self.principal.scope_prefix)
        for e in entries:
            if (station_id := e.item.station_id) is not None:
                refusal = station_refusal(station_id, stations.get(station_id), e.item.area_code, e.loc)
                if refusal is not None:
                    refuse(e, refusal)

    async def digests(self, keys: list[uuid.UUID]) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        return await self.repository.post_digests(keys)

    def legacy_same(self, entry: _Post, row: WelfarePost) -> bool:
        item = entry.item
        return row.post_type == item.type and all(getattr(row, f) == getattr(item, f) for f in POST_FIELDS)

    async def insert(self, entries: list[_Post]) -> set[uuid.UUID]:
        rows = [
            e.item.model_dump(exclude={"id", "type", "funding_source"})
            | {
                "id": e.key,
                "post_type": e.item.type.value,
                "funding_source": e.item.funding_source.value,
                "request_sha256": e.digest,
                "created_by": self.principal.id,
                "version": 1,
            }
            for e in entries
        ]
        return await self.repository.insert_posts(rows)

    async def created(self, entries: list[_Post]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            trail.record("welfare_post.create", "welfare_post", str(e.key), area_code=e.item.area_code)


@dataclass(eq=False)
class _Assignment(Entry):
    item: AssignmentItem
    key: uuid.UUID
    person: PersonFacts | None = None
    area_code: str = ""


class AssignmentIntake(JobsIntake[_Assignment, AssignmentItemResult]):
    model = AssignmentItem
    result_model = AssignmentItemResult
    entry_type = _Assignment
    invalid_detail = "Item {index} is not a valid post assignment"
    what = "Assignment"

    def __init__(self, session: AsyncSession, lookup: Lookup, max_posts_per_person: int) -> None:
        super().__init__(session)
        self.repository = PostRepository(session)
        self.lookup = lookup
        self.rules = AssignmentRules(self.repository, max_posts_per_person)

    async def take(self, raws: Sequence[Any], principal: Principal) -> AssignmentBatchResult:
        items = await self.answer_items(raws, principal)
        return AssignmentBatchResult(**summary(items), items=items)

    def check(self, item: AssignmentItem, loc: list[str | int]) -> None:
        check_dates(item.starts_on, item.ends_on, loc)

    async def digests(self, keys: list[uuid.UUID]) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        return await self.repository.assignment_digests(keys)

    def legacy_same(self, entry: _Assignment, row: PostAssignment) -> bool:
        item = entry.item
        return (row.post_id, row.person_id, row.starts_on) == (item.post_id, item.person_id, item.starts_on)

    async def admit(self, entries: list[_Assignment], refuse: Refuse) -> None:
        """The posts (in the caller's area), then the people (asked of the registry once)."""
        posts = await self.repository.posts_in_scope(
            [e.item.post_id for e in entries], self.principal.scope_prefix
        )
        placed = []
        for e in entries:
            if (post := posts.get(e.item.post_id)) is None:
                refuse(e, _no_post(e))
            else:
                e.area_code = post.area_code
                placed.append(e)
        if (people := await self.people(self.lookup, placed, refuse)) is None:
            return
        for e in placed:
            facts = people.get(e.item.person_id)
            person_id = e.item.person_id
            if facts is None:
                refuse(
                    e, invalid("person_id", f"No person {person_id} in your area", "person_not_found", e.loc)
                )
            elif not facts.alive:
                refuse(e, invalid("person_id", f"Person {person_id} has died", "person_deceased", e.loc))
            elif not is_within(facts.area_code, e.area_code):  # a post is for the people of its area
                why = f"Person {person_id} lives outside the post's area"
                refuse(e, invalid("person_id", why, "person_outside_area", e.loc))
            else:
                e.person = facts

    async def insert(self, entries: list[_Assignment]) -> set[uuid.UUID]:
        # Every person, then every post, each in id order: the single request takes the same order.
        await self.repository.lock_people([e.item.person_id for e in entries])
        posts = await self.repository.posts_locked(
            [e.item.post_id for e in entries], self.principal.scope_prefix
        )
        # A copy of an item that a concurrent request stored while we waited: answered by its digest.
        raced = {key for key, *_ in await self.digests([e.key for e in entries])}
        inserted: set[uuid.UUID] = set()
        for e in (e for e in entries if e.key not in raced):
            post, person = posts.get(e.item.post_id), e.person
            assert person is not None
            try:
                async with self.session.begin_nested():  # a savepoint: a refused item rolls back alone
                    if post is None:  # not in the caller's area any more
                        raise _no_post(e)
                    window = self.rules.window(post, e.item, e.loc)
                    await self.rules.check_person_free(e.item.person_id, post, window)
                    await self.rules.check_place_free(post, window)
                    row = {
                        "id": e.key,
                        "post_id": post.id,
                        "person_id": person.person_id,
                        "household_id": person.household_id,
                        "area_code": person.area_code,
                        "starts_on": window.starts_on,
                        "ends_on": window.ends_on,
                        "request_sha256": e.digest,
                        "created_by": self.principal.id,
                    }
                    if await self.repository.insert_assignment(row):
                        inserted.add(e.key)
                        e.area_code = person.area_code
            except FangpinError as exc:
                self.refuse(e, exc)
        return inserted

    async def created(self, entries: list[_Assignment]) -> None:
        trail = audit_trail(self.session)
        for e in entries:
            trail.record(
                "post_assignment.create",
                "post_assignment",
                str(e.key),
                area_code=e.area_code,
                changes={"post_id": str(e.item.post_id), "person_id": str(e.item.person_id)},
            )


def _no_post(e: _Assignment) -> NotFound:
    return post_not_found(e.item.post_id)
