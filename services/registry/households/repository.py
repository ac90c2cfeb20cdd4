"""All SQL for households and people; every read that serves a caller takes the caller's area scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    LargeBinary,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    func,
    or_,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.scope import in_scope
from services.registry.models import (
    CadreAssignment,
    ChangeHistory,
    Household,
    Person,
    PersonMove,
    ProgrammeMembership,
    RecordChange,
)


async def stamp_actor(session: AsyncSession, principal: Principal, reason: str | None = None) -> None:
    """Tell the change-log triggers who is writing (transaction-local settings)."""
    stamp = (principal.id, reason)
    if session.info.get("actor_stamp") == stamp:
        return  # already said in this transaction
    session.info["actor_stamp"] = stamp
    await session.execute(
        text(
            "SELECT set_config('fangpin.actor', :actor, true), "
            "set_config('fangpin.actor_name', :name, true), set_config('fangpin.reason', :reason, true)"
        ),
        {"actor": f"{principal.kind.value}:{principal.id}", "name": principal.name, "reason": reason or ""},
    )


@dataclass
class HouseholdFilters:
    within: str | None = None
    number: str | None = None
    category: str | None = None
    programme: str | None = None
    cadre_id: uuid.UUID | None = None
    as_of: date | None = None
    include_deleted: bool = False


@dataclass
class PersonFilters:
    within: str | None = None
    name: str | None = None
    national_id_index: bytes | None = None
    household_id: uuid.UUID | None = None
    health: str | None = None
    programme: str | None = None
    include_deceased: bool = True
    include_deleted: bool = False


def _programme_held(
    programme: str, household_id: SQLColumnExpression[uuid.UUID], as_of: date | None
) -> ColumnElement[bool]:
    day = as_of or china_today()
    held = (
        select(ProgrammeMembership.id)
        .where(
            ProgrammeMembership.household_id == household_id,
            ProgrammeMembership.programme == programme,
            ProgrammeMembership.starts_on <= day,
            or_(col(ProgrammeMembership.ends_on).is_(None), col(ProgrammeMembership.ends_on) >= day),
        )
        .exists()
    )
    return held


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Ids and numbers a batch has checked in one query and found free (this transaction only).
        self.known_absent: set[uuid.UUID | str] = set()

    async def check_free(self, ids: list[uuid.UUID], numbers: list[str]) -> None:
        """Look up a whole batch's ids and numbers at once; remember those that are free."""
        query = select(Household.id, Household.number).where(
            or_(
                col(Household.id) == func.any(bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True)))),
                col(Household.number) == func.any(bindparam("numbers", numbers, type_=ARRAY(String))),
            )
        )
        taken = {value for row in (await self.session.execute(query)).all() for value in row}
        self.known_absent = (set(ids) | set(numbers)) - taken

    async def request_digests(self, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, bytes | None, str, str]]:
        """Unscoped, for retries: each stored id's request digest (NULL before it was kept), village and
        number; never returned as such."""
        query = select(
            Household.id, col(Household.request_sha256), Household.area_code, Household.number
        ).where(col(Household.id) == func.any(bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True)))))
        return [(row[0], row[1], row[2], row[3]) for row in (await self.session.execute(query)).all()]

    async def get(
        self, household_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> Household | None:
        query = select(Household).where(
            Household.id == household_id, in_scope(col(Household.area_code), scope_prefix)
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, household_id: uuid.UUID) -> Household | None:
        """Unscoped, for integrity checks (an id or number already taken); never returned as such."""
        return await self.session.get(Household, household_id)

    async def by_number(self, number: str) -> Household | None:
        query = select(Household).where(Household.number == number)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def members(
        self, household_ids: Sequence[uuid.UUID], *, include_deleted: bool = False
    ) -> list[Person]:
        if not household_ids:
            return []
        query = select(Person).where(col(Person.household_id).in_(household_ids))
        if not include_deleted:
            query = query.where(col(Person.deleted_at).is_(None))
        query = query.order_by(col(Person.household_id), col(Person.birth_date), col(Person.id))
        return list((await self.session.execute(query)).scalars().all())

    async def search(
        self, scope_prefix: str, filters: HouseholdFilters, *, after_number: str | None, limit: int
    ) -> Sequence[Household]:
        query = select(Household).where(*self._conditions(scope_prefix, filters))
        if after_number is not None:
            query = query.where(Household.number > after_number)
        query = query.order_by(Household.number).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def count(self, scope_prefix: str, filters: HouseholdFilters) -> int:
        query = select(func.count()).select_from(Household).where(*self._conditions(scope_prefix, filters))
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def _conditions(scope_prefix: str, f: HouseholdFilters) -> list[ColumnElement[bool]]:
        conditions = [in_scope(col(Household.area_code), scope_prefix)]
        if not f.include_deleted:
            conditions.append(col(Household.deleted_at).is_(None))
        if f.within:
            conditions.append(in_scope(col(Household.area_code), f.within))
        if f.number:
            conditions.append(col(Household.number) == f.number)
        if f.category:
            conditions.append(col(Household.category) == f.category)
        if f.programme:
            conditions.append(_programme_held(f.programme, col(Household.id), f.as_of))
        if f.cadre_id:
            conditions.append(
                select(CadreAssignment.id)
                .where(
                    CadreAssignment.household_id == Household.id,
                    CadreAssignment.cadre_id == f.cadre_id,
                    col(CadreAssignment.ends_on).is_(None),
                )
                .exists()
            )
        return conditions

    async def bump(self, household: Household, values: dict, principal: Principal) -> None:
        """Apply changes and move to the next version, in one UPDATE (the trigger logs old -> new)."""
        values = {
            **values,
            "version": household.version + 1,
            "updated_at": func.now(),
            "updated_by": principal.id,
        }
        await self.session.execute(
            update(Household).where(col(Household.id) == household.id).values(**values)
        )
        await self.session.refresh(household)

    async def move_all(self, ids: list[uuid.UUID], area_code: str, principal: Principal) -> None:
        """Each household to ``area_code`` at its next version, in one UPDATE (the trigger logs each)."""
        await self.session.execute(
            update(Household)
            .where(col(Household.id).in_(ids))
            .values(
                area_code=area_code,
                version=Household.version + 1,
                updated_at=func.now(),
                updated_by=principal.id,
            )
        )

    async def set_area_of_dependants(self, household_ids: list[uuid.UUID], area_code: str) -> None:
        """Members, programme periods and cadre pairings follow their households to the new village."""
        await self.session.execute(
            update(Person)
            .where(col(Person.household_id).in_(household_ids), col(Person.area_code) != area_code)
            .values(area_code=area_code, version=Person.version + 1, updated_at=func.now())
        )
        for table in (ProgrammeMembership, CadreAssignment):
            await self.session.execute(
                update(table).where(col(table.household_id).in_(household_ids)).values(area_code=area_code)
            )

    async def end_periods(self, household_id: uuid.UUID, programme: str, day: date, actor: str) -> None:
        """Close the household's open periods in a programme (the day before ``day``, or that day)."""
        await self.session.execute(
            update(ProgrammeMembership)
            .where(
                col(ProgrammeMembership.household_id) == household_id,
                col(ProgrammeMembership.programme) == programme,
                col(ProgrammeMembership.ends_on).is_(None),
            )
            .values(
                ends_on=func.greatest(ProgrammeMembership.starts_on, day - timedelta(days=1)), ended_by=actor
            )
        )

    async def member_ids_ever(self, household_id: uuid.UUID) -> list[uuid.UUID]:
        """Everyone who is or was a member (people who moved away keep their time here in history)."""
        current = select(Person.id).where(Person.household_id == household_id)
        moved = select(PersonMove.person_id).where(
            or_(
                col(PersonMove.from_household_id) == household_id,
                col(PersonMove.to_household_id) == household_id,
            )
        )
        rows = await self.session.execute(current.union(moved))
        return [row[0] for row in rows]

    async def history(
        self, entity_ids: Sequence[uuid.UUID], *, after_id: int | None, limit: int
    ) -> Sequence[RecordChange | ChangeHistory]:
        """Changes of these records by id, from the change log and what compaction moved out of it."""
        recent = select(RecordChange).where(col(RecordChange.entity_id).in_(entity_ids))
        older = select(ChangeHistory).where(col(ChangeHistory.entity_id).in_(entity_ids))
        if after_id is not None:
            recent = recent.where(RecordChange.id > after_id)
            older = older.where(ChangeHistory.id > after_id)
        rows: list[RecordChange | ChangeHistory] = []
        rows += (await self.session.execute(recent.order_by(col(RecordChange.id)).limit(limit))).scalars()
        rows += (await self.session.execute(older.order_by(col(ChangeHistory.id)).limit(limit))).scalars()
        return sorted(rows, key=lambda row: row.id)[:limit]


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: uuid.UUID, scope_prefix: str, *, lock: bool = False) -> Person | None:
        query = select(Person).where(Person.id == person_id, in_scope(col(Person.area_code), scope_prefix))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, person_id: uuid.UUID) -> Person | None:
        return await self.session.get(Person, person_id)

    async def living_with_number(self, index: bytes, *, except_id: uuid.UUID | None = None) -> Person | None:
        """The living, registered person holding an ID number (unscoped: the rule is national)."""
        query = select(Person).where(
            Person.national_id_index == index,
            col(Person.deceased_on).is_(None),
            col(Person.deleted_at).is_(None),
        )
        if except_id is not None:
            query = query.where(Person.id != except_id)
        return (await self.session.execute(query)).scalars().first()

    async def living_among(self, indexes: list[bytes]) -> list[bytes]:
        """Which of these ID numbers (blind indexes) a living, registered person already holds."""
        if not indexes:
            return []
        # One array parameter: the same prepared statement whatever the number of members.
        query = select(Person.national_id_index).where(
            Person.national_id_index == func.any(bindparam("indexes", indexes, type_=ARRAY(LargeBinary))),
            col(Person.deceased_on).is_(None),
            col(Person.deleted_at).is_(None),
        )
        return list((await self.session.execute(query)).scalars().all())

    async def search(
        self, scope_prefix: str, filters: PersonFilters, *, after: tuple[str, uuid.UUID] | None, limit: int
    ) -> Sequence[Person]:
        query = select(Person).where(*self._conditions(scope_prefix, filters))
        if after is not None:
            query = query.where(and_(func.row(Person.name, Person.id) > func.row(after[0], after[1])))
        query = query.order_by(Person.name, col(Person.id)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def count(self, scope_prefix: str, filters: PersonFilters) -> int:
        query = select(func.count()).select_from(Person).where(*self._conditions(scope_prefix, filters))
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def _conditions(scope_prefix: str, f: PersonFilters) -> list[ColumnElement[bool]]:
        conditions = [in_scope(col(Person.area_code), scope_prefix)]
        if not f.include_deleted:
            conditions.append(col(Person.deleted_at).is_(None))
        if not f.include_deceased:
            conditions.append(col(Person.deceased_on).is_(None))
        if f.within:
            conditions.append(in_scope(col(Person.area_code), f.within))
        if f.name:
            conditions.append(col(Person.name).startswith(f.name, autoescape=True))
        if f.national_id_index is not None:
            conditions.append(col(Person.national_id_index) == f.national_id_index)
        if f.household_id:
            conditions.append(col(Person.household_id) == f.household_id)
        if f.health:
            conditions.append(col(Person.health) == f.health)
        if f.programme:
            conditions.append(_programme_held(f.programme, col(Person.household_id), None))
        return conditions

    async def bump(self, person: Person, values: dict, principal: Principal) -> None:
        values = {
            **values,
            "version": person.version + 1,
            "updated_at": func.now(),
            "updated_by": principal.id,
        }
        await self.session.execute(update(Person).where(col(Person.id) == person.id).values(**values))
        await self.session.refresh(person)
