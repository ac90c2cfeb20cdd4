"""SQL of public-welfare posts and their assignments; every query applies the caller's scope."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, text
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.jobs.posts.models import PostAssignment, WelfarePost


def held_on(day: date) -> ColumnElement[bool]:
    """The assignment is held on ``day`` (its end is inclusive)."""
    return and_(
        col(PostAssignment.starts_on) <= day,
        or_(col(PostAssignment.ends_on).is_(None), col(PostAssignment.ends_on) >= day),
    )


def in_force_on(day: date) -> ColumnElement[bool]:
    return and_(
        col(WelfarePost.starts_on) <= day,
        or_(col(WelfarePost.ends_on).is_(None), col(WelfarePost.ends_on) >= day),
    )


@dataclass(frozen=True)
class PostFilters:
    within: str | None = None
    funding_source: str | None = None
    post_type: str | None = None
    in_force_on: date | None = None


@dataclass(frozen=True)
class AssignmentFilters:
    post_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    within: str | None = None
    held_on: date | None = None


class PostRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, post_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> WelfarePost | None:
        query = select(WelfarePost).where(
            WelfarePost.id == post_id, in_scope(col(WelfarePost.area_code), scope_prefix)
        )
        if lock:  # and read it afresh: the session may hold a copy read before the lock
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, post_id: uuid.UUID) -> WelfarePost | None:
        return (await self.session.execute(select(WelfarePost).where(WelfarePost.id == post_id))).scalar()

    async def post_digests(
        self, ids: Sequence[uuid.UUID]
    ) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        """(id, request digest, area, the post) of these ids, in any area (a retry's first request)."""
        rows = (await self.session.execute(select(WelfarePost).where(col(WelfarePost.id).in_(ids)))).scalars()
        return [(p.id, p.request_sha256, p.area_code, p) for p in rows]

    async def insert_posts(self, rows: builtins.list[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the posts whose id is new (a concurrent copy waits on the key, then is not inserted)."""
        query = insert(WelfarePost).values(rows).on_conflict_do_nothing(index_elements=["id"])
        return set((await self.session.execute(query.returning(col(WelfarePost.id)))).scalars())

    async def posts_locked(self, ids: Sequence[uuid.UUID], scope_prefix: str) -> dict[uuid.UUID, WelfarePost]:
        """These posts in the caller's area, locked in id order (so concurrent batches never deadlock)."""
        query = (
            select(WelfarePost)
            .where(
                col(WelfarePost.id).in_(sorted(set(ids))), in_scope(col(WelfarePost.area_code), scope_prefix)
            )
            .order_by(col(WelfarePost.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {p.id: p for p in (await self.session.execute(query)).scalars()}

    async def posts_in_scope(
        self, ids: Sequence[uuid.UUID], scope_prefix: str
    ) -> dict[uuid.UUID, WelfarePost]:
        query = select(WelfarePost).where(
            col(WelfarePost.id).in_(set(ids)), in_scope(col(WelfarePost.area_code), scope_prefix)
        )
        return {p.id: p for p in (await self.session.execute(query)).scalars()}

    async def list(
        self, scope_prefix: str, filters: PostFilters, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[WelfarePost]:
        query = select(WelfarePost).where(in_scope(col(WelfarePost.area_code), scope_prefix))
        if filters.within:
            query = query.where(in_scope(col(WelfarePost.area_code), filters.within))
        if filters.funding_source:
            query = query.where(WelfarePost.funding_source == filters.funding_source)
        if filters.post_type:
            query = query.where(WelfarePost.post_type == filters.post_type)
        if filters.in_force_on:
            query = query.where(in_force_on(filters.in_force_on))
        if after is not None:
            query = query.where(WelfarePost.id > after)
        return (await self.session.execute(query.order_by(col(WelfarePost.id)).limit(limit))).scalars().all()

    async def filled(self, post_ids: Sequence[uuid.UUID], day: date) -> dict[uuid.UUID, int]:
        if not post_ids:
            return {}
        query = (
            select(PostAssignment.post_id, func.count())
            .where(col(PostAssignment.post_id).in_(post_ids), held_on(day))
            .group_by(col(PostAssignment.post_id))
        )
        return {post_id: count for post_id, count in (await self.session.execute(query)).all()}

    # Assignments

    async def assignment(
        self, assignment_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> PostAssignment | None:
        query = select(PostAssignment).where(
            PostAssignment.id == assignment_id, in_scope(col(PostAssignment.area_code), scope_prefix)
        )
        if lock:  # and read it afresh: the session may hold a copy read before the lock
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def any_assignment(self, assignment_id: uuid.UUID) -> PostAssignment | None:
        """By id alone: a client's UUID may already be taken outside the caller's area."""
        query = select(PostAssignment).where(PostAssignment.id == assignment_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def assignment_digests(
        self, ids: Sequence[uuid.UUID]
    ) -> Sequence[tuple[uuid.UUID, bytes | None, str, Any]]:
        """(id, request digest, area, the assignment) of these ids, in any area."""
        query = select(PostAssignment).where(col(PostAssignment.id).in_(ids))
        return [
            (a.id, a.request_sha256, a.area_code, a) for a in (await self.session.execute(query)).scalars()
        ]

    async def insert_assignment(self, row: dict[str, Any]) -> bool:
        """Insert the assignment unless its id is stored (a concurrent copy waits on the key)."""
        query = insert(PostAssignment).values(row).on_conflict_do_nothing(index_elements=["id"])
        return (await self.session.execute(query.returning(col(PostAssignment.id)))).first() is not None

    async def assignments_of_post(self, post_id: uuid.UUID) -> Sequence[PostAssignment]:
        """Every assignment of the post (all areas: capacity counts them all); the post row is locked."""
        query = select(PostAssignment).where(PostAssignment.post_id == post_id)
        return (await self.session.execute(query)).scalars().all()

    async def assignments_of_person(self, person_id: uuid.UUID) -> Sequence[PostAssignment]:
        query = select(PostAssignment).where(PostAssignment.person_id == person_id)
        return (await self.session.execute(query.order_by(col(PostAssignment.starts_on)))).scalars().all()

    async def titles(self, post_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        query = select(WelfarePost.id, WelfarePost.title).where(col(WelfarePost.id).in_(post_ids))
        return {key: value for key, value in (await self.session.execute(query)).all()}

    async def lock_person(self, person_id: uuid.UUID) -> None:
        """Serialise assignments of one person (to any post) until the transaction ends."""
        await self.lock_people([person_id])

    async def lock_people(self, person_ids: Sequence[uuid.UUID]) -> None:
        """Serialise assignments of these people, taken in id order (so batches never deadlock)."""
        for person_id in sorted(set(person_ids)):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"jobs.post_assignment.person:{person_id}"},
            )

    async def list_assignments(
        self, scope_prefix: str, filters: AssignmentFilters, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[PostAssignment]:
        query = select(PostAssignment).where(in_scope(col(PostAssignment.area_code), scope_prefix))
        conditions: list[Any] = []
        if filters.post_id is not None:
            conditions.append(PostAssignment.post_id == filters.post_id)
        if filters.person_id is not None:
            conditions.append(PostAssignment.person_id == filters.person_id)
        if filters.household_id is not None:
            conditions.append(PostAssignment.household_id == filters.household_id)
        if filters.within:
            conditions.append(in_scope(col(PostAssignment.area_code), filters.within))
        if filters.held_on is not None:
            conditions.append(held_on(filters.held_on))
        if after is not None:
            conditions.append(PostAssignment.id > after)
        query = query.where(*conditions).order_by(col(PostAssignment.id)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    # The reference recount of the figures (``posts.recount``): the statistics read the rollups.

    async def recount_places_by_kind(
        self, prefix: str, scope_prefix: str, day: date, child_digits: int
    ) -> builtins.list[tuple[str, str, str, int, int]]:
        """(child area, funding source, type, posts, places) of the posts in force on ``day`` in the area."""
        child = func.left(WelfarePost.area_code, child_digits)
        query = (
            select_columns(
                child,
                col(WelfarePost.funding_source),
                col(WelfarePost.post_type),
                func.count(),
                func.coalesce(func.sum(col(WelfarePost.capacity)), 0),
            )
            .where(
                in_scope(col(WelfarePost.area_code), prefix),
                in_scope(col(WelfarePost.area_code), scope_prefix),
                in_force_on(day),
            )
            .group_by(child, WelfarePost.funding_source, WelfarePost.post_type)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def recount_filled_by_kind(
        self, prefix: str, scope_prefix: str, day: date, child_digits: int
    ) -> builtins.list[tuple[str, str, str, int]]:
        """(child area, funding source, type, places held) on ``day`` of the posts in force in the area."""
        child = func.left(WelfarePost.area_code, child_digits)
        query = (
            select(child, WelfarePost.funding_source, WelfarePost.post_type, func.count())
            .select_from(PostAssignment)
            .join(WelfarePost, col(WelfarePost.id) == PostAssignment.post_id)
            .where(
                in_scope(col(WelfarePost.area_code), prefix),
                in_scope(col(WelfarePost.area_code), scope_prefix),
                in_force_on(day),
                held_on(day),
            )
            .group_by(child, WelfarePost.funding_source, WelfarePost.post_type)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]
