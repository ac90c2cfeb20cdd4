"""SQL of courses and enrolments; every query applies the caller's scope.

A course organised by the county or town is open to the villages below it, so a caller sees the courses
of its own area and those of the areas above it. Enrolments belong to the person's village.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.area_codes import NATIONAL_ROOT, structural_parent
from services.common.auth import Principal
from services.common.scope import in_scope
from services.jobs.training.models import Enrolment, TrainingCourse
from services.jobs.training.workflow import HOLDS_PLACE


def areas_above(scope: str) -> list[str]:
    codes: list[str] = []
    code: str | None = scope if scope != NATIONAL_ROOT else None
    while code is not None and (code := structural_parent(code)) is not None:
        codes.append(code)
    return codes


def course_visible(principal: Principal) -> ColumnElement[bool]:
    return or_(
        in_scope(col(TrainingCourse.area_code), principal.scope_prefix),
        col(TrainingCourse.area_code).in_(areas_above(principal.scope)),
    )


@dataclass(frozen=True)
class EnrolmentFilters:
    course_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    state: str | None = None
    within: str | None = None


def by(day: date, column: Any) -> Any:
    """1 when the column's date is set and on or before ``day``, else 0 (for sums)."""
    return func.sum(case((and_(column.is_not(None), column <= day), 1), else_=0))


class TrainingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def course(
        self, course_id: uuid.UUID, principal: Principal, *, manage: bool = False, lock: bool = False
    ) -> TrainingCourse | None:
        """Visible (own area or above); with ``manage``, only within the caller's own area."""
        where = (
            in_scope(col(TrainingCourse.area_code), principal.scope_prefix)
            if manage
            else course_visible(principal)
        )
        query = select(TrainingCourse).where(TrainingCourse.id == course_id, where)
        if lock:  # and read it afresh: the session may hold a copy read before the lock
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def course_by_id(self, course_id: uuid.UUID) -> TrainingCourse | None:
        return (
            await self.session.execute(select(TrainingCourse).where(TrainingCourse.id == course_id))
        ).scalar()

    async def course_digests(
        self, ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, bytes | None, str, Any]]:
        """(id, request digest, area, the course) of these ids, in any area (a retry's first request)."""
        query = select(TrainingCourse).where(col(TrainingCourse.id).in_(ids))
        return [
            (c.id, c.request_sha256, c.area_code, c) for c in (await self.session.execute(query)).scalars()
        ]

    async def insert_courses(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the courses whose id is new (a concurrent copy waits on the key, then is not inserted)."""
        query = insert(TrainingCourse).values(rows).on_conflict_do_nothing(index_elements=["id"])
        return set((await self.session.execute(query.returning(col(TrainingCourse.id)))).scalars())

    async def visible_courses(
        self, ids: Sequence[uuid.UUID], principal: Principal, *, lock: bool = False
    ) -> dict[uuid.UUID, TrainingCourse]:
        """These courses as the caller sees them; with ``lock``, locked in id order (no deadlocks)."""
        query = select(TrainingCourse).where(
            col(TrainingCourse.id).in_(sorted(set(ids))), course_visible(principal)
        )
        if lock:
            query = query.order_by(col(TrainingCourse.id)).with_for_update()
            query = query.execution_options(populate_existing=True)
        return {c.id: c for c in (await self.session.execute(query)).scalars()}

    async def enrolment_digests(
        self, ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, bytes | None, str, Any]]:
        """(id, request digest, area, the enrolment) of these ids, in any area."""
        query = select(Enrolment).where(col(Enrolment.id).in_(ids))
        return [
            (e.id, e.request_sha256, e.area_code, e) for e in (await self.session.execute(query)).scalars()
        ]

    async def insert_enrolment(self, row: dict[str, Any]) -> bool:
        """Insert the enrolment unless its id is stored (a concurrent copy waits on the key)."""
        query = insert(Enrolment).values(row).on_conflict_do_nothing(index_elements=["id"])
        return (await self.session.execute(query.returning(col(Enrolment.id)))).first() is not None

    async def courses(
        self,
        principal: Principal,
        *,
        within: str | None,
        skill: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[TrainingCourse]:
        query = select(TrainingCourse).where(course_visible(principal))
        if within:
            query = query.where(in_scope(col(TrainingCourse.area_code), within))
        if skill:
            query = query.where(TrainingCourse.skill == skill)
        if after is not None:
            query = query.where(TrainingCourse.id > after)
        return (
            (await self.session.execute(query.order_by(col(TrainingCourse.id)).limit(limit))).scalars().all()
        )

    async def places_taken(self, course_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not course_ids:
            return {}
        query = (
            select(Enrolment.course_id, func.count())
            .where(
                col(Enrolment.course_id).in_(course_ids),
                col(Enrolment.state).in_([s.value for s in HOLDS_PLACE]),
            )
            .group_by(col(Enrolment.course_id))
        )
        return {key: value for key, value in (await self.session.execute(query)).all()}

    async def enrolment(
        self, enrolment_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> Enrolment | None:
        query = select(Enrolment).where(
            Enrolment.id == enrolment_id, in_scope(col(Enrolment.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def any_enrolment(self, enrolment_id: uuid.UUID) -> Enrolment | None:
        """By id alone: a client's UUID may already be taken outside the caller's area."""
        return (
            await self.session.execute(select(Enrolment).where(Enrolment.id == enrolment_id))
        ).scalar_one_or_none()

    async def enrolment_of(self, course_id: uuid.UUID, person_id: uuid.UUID) -> Enrolment | None:
        query = select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.person_id == person_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def enrolments(
        self, scope_prefix: str, filters: EnrolmentFilters, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Enrolment]:
        query = select(Enrolment).where(in_scope(col(Enrolment.area_code), scope_prefix))
        if filters.course_id is not None:
            query = query.where(Enrolment.course_id == filters.course_id)
        if filters.person_id is not None:
            query = query.where(Enrolment.person_id == filters.person_id)
        if filters.state is not None:
            query = query.where(Enrolment.state == filters.state)
        if filters.within:
            query = query.where(in_scope(col(Enrolment.area_code), filters.within))
        if after is not None:
            query = query.where(Enrolment.id > after)
        return (await self.session.execute(query.order_by(col(Enrolment.id)).limit(limit))).scalars().all()

    # Figures: enrolments of people in the area, each counted by the dates of what happened.

    def _of_area(self, prefix: str, scope_prefix: str, day: date, course_id: uuid.UUID | None) -> list[Any]:
        conditions = [
            in_scope(col(Enrolment.area_code), prefix),
            in_scope(col(Enrolment.area_code), scope_prefix),
            Enrolment.enrolled_on <= day,
        ]
        if course_id is not None:
            conditions.append(Enrolment.course_id == course_id)
        return conditions

    async def place_names(self, codes: Sequence[str]) -> dict[str, str]:
        """The name each place code goes by: as its latest placement gives it (a place far away, such
        as 武汉, is no area of ours to name)."""
        if not codes:
            return {}
        query = (
            select_columns(col(Enrolment.place_code), col(Enrolment.place))
            .where(col(Enrolment.place_code).in_(sorted(set(codes))), col(Enrolment.place).is_not(None))
            .ext(distinct_on(col(Enrolment.place_code)))
            .order_by(col(Enrolment.place_code), col(Enrolment.placed_on).desc(), col(Enrolment.id).desc())
        )
        return {code: place for code, place in (await self.session.execute(query)).all() if code and place}

    async def courses_in_order(self, course_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, str, str]]:
        """(id, title, skill) of these courses, in the order the figures list them."""
        query = (
            select(TrainingCourse.id, TrainingCourse.title, TrainingCourse.skill)
            .where(col(TrainingCourse.id).in_(course_ids))
            .order_by(col(TrainingCourse.starts_on), col(TrainingCourse.id))
        )
        return [(id_, title, skill) for id_, title, skill in (await self.session.execute(query)).all()]

    # The reference recount of the figures (``training.recount``): the statistics read the rollups.

    async def recount_counts_by_course(
        self, prefix: str, scope_prefix: str, day: date, course_id: uuid.UUID | None
    ) -> list[tuple[uuid.UUID, str, str, int, int, int, int]]:
        """(course, title, skill, enrolled, completed, dropped, placed) as of ``day``."""
        query = (
            select_columns(
                col(TrainingCourse.id),
                col(TrainingCourse.title),
                col(TrainingCourse.skill),
                func.count(),
                by(day, col(Enrolment.completed_on)),
                by(day, col(Enrolment.dropped_on)),
                by(day, col(Enrolment.placed_on)),
            )
            .select_from(Enrolment)
            .join(TrainingCourse, col(TrainingCourse.id) == Enrolment.course_id)
            .where(*self._of_area(prefix, scope_prefix, day, course_id))
            .group_by(col(TrainingCourse.id), TrainingCourse.title, TrainingCourse.skill)
            .order_by(col(TrainingCourse.starts_on), col(TrainingCourse.id))
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def recount_placed_by_place(
        self, prefix: str, scope_prefix: str, day: date, course_id: uuid.UUID | None
    ) -> list[tuple[str, int]]:
        query = (
            select(Enrolment.place_code, func.count())
            .where(
                *self._of_area(prefix, scope_prefix, day, course_id),
                col(Enrolment.placed_on).is_not(None),
                col(Enrolment.placed_on) <= day,
            )
            .group_by(Enrolment.place_code)
            .order_by(func.count().desc(), col(Enrolment.place_code))
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    async def recount_by_child(
        self, prefix: str, scope_prefix: str, day: date, course_id: uuid.UUID | None, child_digits: int
    ) -> list[tuple[str, int, int, int, int]]:
        """(child area, enrolled, completed, dropped, placed) as of ``day``."""
        child = func.left(Enrolment.area_code, child_digits)
        query = (
            select_columns(
                child,
                func.count(),
                by(day, Enrolment.completed_on),
                by(day, Enrolment.dropped_on),
                by(day, Enrolment.placed_on),
            )
            .where(*self._of_area(prefix, scope_prefix, day, course_id))
            .group_by(child)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]
