"""Post rules: who may set a post up where, the photovoltaic station (by id), periods, and places never
over-filled (the post row is locked while its places are counted)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, NotFound
from services.jobs.posts.models import PostAssignment, WelfarePost
from services.jobs.posts.periods import Period, busiest_day
from services.jobs.posts.repository import PostRepository
from services.jobs.posts.schemas import (
    AssignmentCreate,
    AssignmentEnd,
    FundingSource,
    PostRead,
    PostUpdate,
)
from services.jobs.shared.checks import BODY, check_dates, invalid
from services.jobs.stations.repository import StationRepository
from services.jobs.stations.rules import station_refusal

# Fields a retry of a creation must repeat exactly (else the client's UUID names another post).
POST_FIELDS: tuple[str, ...] = ("area_code", "title", "funding_source", "station_id", "monthly_subsidy")
POST_FIELDS += ("capacity", "starts_on", "ends_on", "note")


def post_not_found(post_id: uuid.UUID) -> NotFound:
    return NotFound(f"No public-welfare post {post_id}", code="post_not_found")


def assignment_not_found(assignment_id: uuid.UUID) -> NotFound:
    return NotFound(f"No post assignment {assignment_id}", code="assignment_not_found")


def check_station(funding_source: str, station_id: uuid.UUID | None, at: Sequence[str | int] = BODY) -> None:
    if funding_source == FundingSource.photovoltaic and station_id is None:
        raise invalid(
            "station_id",
            "A post paid from photovoltaic revenue (光伏收益) must name its station (光伏电站)",
            "station_required",
            at,
        )
    if funding_source != FundingSource.photovoltaic and station_id is not None:
        raise invalid(
            "station_id",
            f"Only photovoltaic posts name a station; this one is funded by {funding_source}",
            "station_not_applicable",
            at,
        )


async def read_posts(session: AsyncSession, posts: Sequence[WelfarePost]) -> list[PostRead]:
    filled = await PostRepository(session).filled([p.id for p in posts], china_today())
    return [PostRead.model_validate(p).model_copy(update={"filled": filled.get(p.id, 0)}) for p in posts]


class PostService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = PostRepository(session)

    async def update(
        self, post_id: uuid.UUID, data: PostUpdate, principal: Principal
    ) -> tuple[WelfarePost, dict[str, Any]]:
        """The post changed, and its fields before the change (for the audit)."""
        post = await self.repository.get(post_id, principal.scope_prefix, lock=True)
        if post is None:
            raise post_not_found(post_id)
        before = PostRead.model_validate(post).model_dump(mode="json")
        check_base_version(post.version, data.base_version, lambda: before)
        changes = data.model_dump(exclude={"base_version"}, exclude_unset=True)
        if "type" in changes:
            changes["post_type"] = changes.pop("type")
        # Null leaves a required field as it is; it clears only the optional ones.
        optional = ("station_id", "ends_on", "note")
        changes = {k: v for k, v in changes.items() if v is not None or k in optional}
        after: dict[str, Any] = {
            name: changes.get(name, getattr(post, name))
            for name in ("funding_source", "station_id", "starts_on", "ends_on", "capacity")
        }
        check_station(after["funding_source"], after["station_id"])
        if (station_id := after["station_id"]) is not None:
            found = await StationRepository(self.session).many([station_id], principal.scope_prefix)
            refusal = station_refusal(station_id, found.get(station_id), post.area_code, BODY)
            if refusal is not None:
                raise refusal
        if after["funding_source"] != FundingSource.photovoltaic:
            changes["station_note"] = None  # the typed station of a photovoltaic post from before
        check_dates(after["starts_on"], after["ends_on"])
        await self._check_holders_fit(post, Period(after["starts_on"], after["ends_on"]), after["capacity"])
        for name, value in changes.items():
            setattr(post, name, value)
        post.version += 1
        post.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(post)
        return post, before

    async def _check_holders_fit(self, post: WelfarePost, period: Period, capacity: int) -> None:
        held = [Period(a.starts_on, a.ends_on) for a in await self.repository.assignments_of_post(post.id)]
        outside = [
            p
            for p in held
            if p.starts_on < period.starts_on
            or (period.ends_on is not None and (p.ends_on is None or p.ends_on > period.ends_on))
        ]
        if outside:
            raise Conflict(
                f"{len(outside)} assignment(s) of this post run outside {period.starts_on} – "
                f"{period.ends_on or 'open'}; end them first",
                code="assignments_outside_period",
            )
        day, count = busiest_day(period, held)
        if count > capacity:
            raise Conflict(
                f"{count} places of this post are held on {day}; the capacity cannot go below that",
                code="capacity_below_filled",
                filled=count,
            )


class AssignmentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = PostRepository(session)

    async def end(
        self, assignment_id: uuid.UUID, data: AssignmentEnd, principal: Principal
    ) -> tuple[PostAssignment, bool]:
        assignment = await self.repository.assignment(assignment_id, principal.scope_prefix, lock=True)
        if assignment is None:
            raise assignment_not_found(assignment_id)
        if assignment.ended_at is not None:
            if assignment.ends_on == data.ends_on:
                return assignment, False  # a retry
            raise Conflict(f"This assignment already ended on {assignment.ends_on}", code="assignment_ended")
        if data.ends_on < assignment.starts_on:
            raise invalid(
                "ends_on", f"The end is before the start ({assignment.starts_on})", "ends_before_start"
            )
        if assignment.ends_on is not None and data.ends_on > assignment.ends_on:
            # Later than planned would need the place again: that is a new assignment.
            raise invalid(
                "ends_on",
                f"The assignment was to end on {assignment.ends_on}; it can end earlier, not later",
                "ends_after_planned_end",
            )
        assignment.ends_on = data.ends_on
        assignment.end_reason = data.reason
        assignment.ended_by = principal.id
        assignment.ended_at = datetime.now(UTC)
        await self.session.flush()
        await self.session.refresh(assignment)
        return assignment, True


class AssignmentRules:
    """What an assignment must respect, checked with the person and the post locked."""

    def __init__(self, repository: PostRepository, max_posts_per_person: int) -> None:
        self.repository = repository
        self.max_posts = max_posts_per_person

    @staticmethod
    def window(post: WelfarePost, data: AssignmentCreate, at: Sequence[str | int]) -> Period:
        check_dates(data.starts_on, data.ends_on, at)
        if data.starts_on < post.starts_on:
            raise invalid("starts_on", f"The post starts on {post.starts_on}", "before_post_starts", at)
        ends_on = data.ends_on if data.ends_on is not None else post.ends_on
        # An assignment that names no end ends with the post: only an end it names can be after the post's.
        if post.ends_on is not None and (
            data.starts_on > post.ends_on or (data.ends_on is not None and data.ends_on > post.ends_on)
        ):
            raise invalid("ends_on", f"The post ends on {post.ends_on}", "after_post_ends", at)
        return Period(data.starts_on, ends_on)

    async def check_person_free(self, person_id: uuid.UUID, post: WelfarePost, window: Period) -> None:
        held = await self.repository.assignments_of_person(person_id)
        periods = [Period(a.starts_on, a.ends_on) for a in held]
        same_post = [
            a for a, p in zip(held, periods, strict=True) if a.post_id == post.id and p.overlaps(window)
        ]
        if same_post:
            raise Conflict(
                f"The person already holds this post from {same_post[0].starts_on}",
                code="already_assigned",
                assignment_id=str(same_post[0].id),
            )
        day, count = busiest_day(window, periods)
        if count < self.max_posts:
            return
        on_day = [a for a, p in zip(held, periods, strict=True) if p.holds(day)]
        titles = await self.repository.titles([a.post_id for a in on_day])
        named = "; ".join(
            f"{titles.get(a.post_id, a.post_id)} ({a.post_id}) from {a.starts_on}" for a in on_day
        )
        limit = "one post" if self.max_posts == 1 else f"{self.max_posts} posts"
        raise Conflict(
            f"The person already holds {named}; a person holds at most {limit} at a time",
            code="person_has_post",
            held_post_ids=[str(a.post_id) for a in on_day],
            on=day.isoformat(),
        )

    async def check_place_free(self, post: WelfarePost, window: Period) -> None:
        assignments = await self.repository.assignments_of_post(post.id)
        day, filled = busiest_day(window, [Period(a.starts_on, a.ends_on) for a in assignments])
        if filled >= post.capacity:
            raise Conflict(
                f"Post {post.title} is full: it has {post.capacity} places and {filled} are held on {day}",
                code="post_full",
                capacity=post.capacity,
                filled=filled,
                on=day.isoformat(),
            )
