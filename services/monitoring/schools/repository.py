"""The children's SQL, always in the caller's area (``scope_prefix``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.scope import in_scope
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.schemas import IN_SCHOOL, SCHOOL_AGE, StudyPlace


def years_before(day: date, years: int) -> date:
    if day.year - years < date.min.year:
        return date.min  # a day asked about in the first centuries: no one born before
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def of_school_age(day: date) -> ColumnElement[bool]:
    """Aged 6 to 15 on ``day`` (a child turns 16 on its sixteenth birthday), and not gone by then."""
    low, high = SCHOOL_AGE
    born = col(SchoolChild.birth_date)
    left = col(SchoolChild.left_on)
    return and_(
        born <= years_before(day, low),
        born > years_before(day, high + 1),
        or_(left.is_(None), left > day),
    )


# Eight parameters a row: well under the protocol's 32,767 a statement.
REGISTERED_PER_STATEMENT = 2_000


class ChildRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, child_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> SchoolChild | None:
        query = select(SchoolChild).where(
            col(SchoolChild.id) == child_id, in_scope(col(SchoolChild.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(
        self,
        scope_prefix: str,
        within: str,
        *,
        as_of: date | None,
        study_place: StudyPlace | None,
        proven: bool | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[SchoolChild]:
        query = select(SchoolChild).where(
            in_scope(col(SchoolChild.area_code), scope_prefix), in_scope(col(SchoolChild.area_code), within)
        )
        if as_of is not None:
            query = query.where(of_school_age(as_of))
        if study_place is not None:
            query = query.where(col(SchoolChild.study_place) == study_place.value)
        if proven is not None:
            query = query.where(col(SchoolChild.proven_on).is_not(None) == proven)
        if after is not None:
            query = query.where(col(SchoolChild.id) > after)
        rows = await self.session.execute(query.order_by(col(SchoolChild.id)).limit(limit))
        return rows.scalars().all()

    async def changes_after(self, scope_prefix: str, position: int, limit: int) -> Sequence[SchoolChild]:
        """The area's children changed after a change position, in the order of their changes: what a
        phone's sync feed sends (a child moved out of the area is not among them)."""
        query = (
            select(SchoolChild)
            .where(in_scope(col(SchoolChild.area_code), scope_prefix), col(SchoolChild.change_seq) > position)
            .order_by(col(SchoolChild.change_seq))
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    # The registry's members --------------------------------------------------------------------

    async def registered(self, children: list[dict[str, Any]]) -> None:
        """Children the registry registered, in one statement: rows of their own, or the population
        feed's rows of the same children (matched earlier by ID number) completed."""
        rows = [{"id": child["person_id"], "source": "registry"} | child for child in children]
        for start in range(0, len(rows), REGISTERED_PER_STATEMENT):
            statement = insert(SchoolChild).values(rows[start : start + REGISTERED_PER_STATEMENT])
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[col(SchoolChild.person_id)],
                    set_={
                        "household_id": statement.excluded.household_id,
                        "name": statement.excluded.name,
                        "birth_date": statement.excluded.birth_date,
                        "national_id_masked": statement.excluded.national_id_masked,
                        "area_code": statement.excluded.area_code,
                        "left_on": statement.excluded.left_on,
                        "source": case(
                            (col(SchoolChild.population_record).is_not(None), "both"), else_="registry"
                        ),
                    },
                )
            )

    async def set_where(self, where: ColumnElement[bool], **values: Any) -> None:
        await self.session.execute(update(SchoolChild).where(where).values(**values))

    # Figures -----------------------------------------------------------------------------------

    async def places(self, area_prefix: str, day: date) -> dict[str | None, int]:
        place = col(SchoolChild.study_place)
        rows = await self.session.execute(
            select(place, func.count())
            .where(in_scope(col(SchoolChild.area_code), area_prefix), of_school_age(day))
            .group_by(place)
        )
        return {row[0]: row[1] for row in rows}

    async def proven(self, area_prefix: str, day: date) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                in_scope(col(SchoolChild.area_code), area_prefix),
                of_school_age(day),
                col(SchoolChild.study_place).in_([p.value for p in IN_SCHOOL]),
                col(SchoolChild.proven_on) <= day,
            )
        )
        return int(count or 0)

    async def unproven_outside(self, area_prefix: str, day: date) -> list[tuple[Any, Any, int]]:
        """The unproven outside the county by family: (household, police household number, children)."""
        household, family = col(SchoolChild.household_id), col(SchoolChild.family_ref)
        proven = col(SchoolChild.proven_on)
        rows = await self.session.execute(
            select(household, family, func.count().label("children"))
            .where(
                in_scope(col(SchoolChild.area_code), area_prefix),
                of_school_age(day),
                col(SchoolChild.study_place) == StudyPlace.outside_county.value,
                or_(proven.is_(None), proven > day),
            )
            .group_by(household, family)
            .order_by(func.count().desc(), household, family)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def return_steps(self, area_prefix: str, day: date) -> tuple[dict[str, int], int]:
        """Children out of school by return step, and the children returned by the day."""
        state = col(SchoolChild.return_state)
        rows = await self.session.execute(
            select(state, func.count())
            .where(
                in_scope(col(SchoolChild.area_code), area_prefix),
                of_school_age(day),
                col(SchoolChild.study_place) == StudyPlace.not_in_school.value,
                state.is_not(None),
            )
            .group_by(state)
        )
        returned = await self.session.scalar(
            select(func.count()).where(
                in_scope(col(SchoolChild.area_code), area_prefix),
                of_school_age(day),
                col(SchoolChild.returned_on) <= day,
            )
        )
        return {str(row[0]): row[1] for row in rows}, int(returned or 0)
