"""Person rules: valid ID numbers, one living person per number, versioned updates, moves, deaths."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import StaleVersion, check_version
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.common.retries import ExactCreate, request_digest
from services.registry import national_id
from services.registry.codes import Health
from services.registry.disclosures import Disclosing, Disclosure
from services.registry.households.repository import (
    HouseholdRepository,
    PersonFilters,
    PersonRepository,
    stamp_actor,
)
from services.registry.households.schemas import PersonCreate, PersonMove, PersonRead, PersonUpdate
from services.registry.households.views import Presenter
from services.registry.models import Household, Person
from services.registry.models import PersonMove as MoveRow
from services.registry.national_id import IdVault


class PersonService:
    def __init__(self, session: AsyncSession, vault: IdVault) -> None:
        self.session = session
        self.vault = vault
        self.repository = PersonRepository(session)
        self.households = HouseholdRepository(session)

    def parse_number(self, raw: str, loc: list, birth_date: date | None = None, sex: str | None = None):
        try:
            return national_id.parse(raw, birth_date=birth_date, sex=sex)
        except national_id.NationalIdError as exc:
            raise ValidationFailed.field([*loc, "national_id"], str(exc), exc.code) from exc

    def build(
        self,
        household: Household,
        data: PersonCreate,
        principal: Principal,
        loc: list,
        registered_on: date | None = None,
        request_sha256: bytes | None = None,
    ) -> Person:
        """A checked, encrypted person row, not yet stored (``request_sha256``: see ``create``)."""
        _check_disability(data.health, data.disability_grade, loc)
        parsed = self.parse_number(data.national_id, loc, data.birth_date, data.sex)
        return Person(
            id=data.id or new_id(),
            household_id=household.id,
            area_code=household.area_code,
            **data.model_dump(
                exclude={"id", "national_id", "birth_date", "sex", "registered_on"}, exclude_none=True
            ),
            national_id_cipher=self.vault.encrypt(parsed.number),
            national_id_index=self.vault.blind_index(parsed.number),
            national_id_masked=national_id.mask(parsed.number),
            birth_date=parsed.birth_date,
            sex=parsed.sex,
            registered_on=data.registered_on or registered_on or china_today(),
            created_by=principal.id,
            updated_by=principal.id,
            request_sha256=request_sha256,
        )

    async def register(self, people: list[tuple[Person, list]], principal: Principal) -> None:
        """Store new people (with any new household already added to the session), one ID number each."""
        seen: set[bytes] = set()
        for person, loc in people:
            if person.national_id_index in seen:
                raise ValidationFailed.field(
                    [*loc, "national_id"], "The same ID number twice in one request", "id_repeated"
                )
            seen.add(person.national_id_index)
        for holder_index in await self.repository.living_among(list(seen)):
            await self._refuse_second_living(holder_index, principal)
        self.session.add_all([person for person, _ in people])
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent registration won the race
            # The transaction is spoilt, so the holder cannot be looked up; the retry will say who.
            raise _race_lost(exc) from exc

    async def _refuse_second_living(self, index: bytes, principal: Principal, except_id=None) -> None:
        holder = await self.repository.living_with_number(index, except_id=except_id)
        if holder is None:
            return
        if principal.covers(holder.area_code):
            household = await self.households.get_any(holder.household_id)
            raise Conflict(
                f"This ID number belongs to a living person already registered in household "
                f"{household.number if household else holder.household_id}",
                code="national_id_registered",
                household_id=str(holder.household_id),
                person_id=str(holder.id),
            )
        raise Disclosing(
            "This ID number is already registered to a living person in a household outside your area",
            Disclosure.person(holder.id, holder.area_code),
            code="national_id_registered",
        )

    async def create(
        self, household_id: uuid.UUID, data: PersonCreate, principal: Principal
    ) -> tuple[Person, bool]:
        """Register one person in a household; the same request again answers the first result (see
        services.common.retries.ExactCreate), whatever became of the person since."""
        digest = self.request_digest(household_id, data)
        once = ExactCreate(
            self.session,
            data.id,
            digest,
            self.repository.get_any,
            principal,
            "Person",
            code="person_id_in_use",
            missing="person_not_found",
            # Members registered with their household keep no digest of their own: as before.
            legacy=lambda p: p.household_id == household_id and principal.covers(p.area_code),
        )

        async def register() -> tuple[Person, bool]:
            household = await self.households.get(household_id, principal.scope_prefix, lock=True)
            if household is None or household.deleted_at is not None:
                raise NotFound(f"No household {household_id}", code="household_not_found")
            if (stored := await once.waited()) is not None:  # a copy held the household before us
                return stored, False
            await stamp_actor(self.session, principal)
            person = self.build(household, data, principal, ["body"], request_sha256=digest)
            await self.register([(person, ["body"])], principal)
            return person, True

        return await once.run(register)

    def request_digest(self, household_id: uuid.UUID, data: PersonCreate) -> bytes:
        """The request's digest, with the ID number as its keyed index: a bare sha256 of a number could
        be reversed by trying them all."""
        keyed = data.model_copy(update={"national_id": self.vault.blind_index(data.national_id).hex()})
        return request_digest(keyed, household_id)

    async def get(self, person_id: uuid.UUID, principal: Principal, *, lock: bool = False) -> Person:
        person = await self.repository.get(person_id, principal.scope_prefix, lock=lock)
        if person is None:
            raise NotFound(f"No person {person_id}", code="person_not_found")
        return person

    async def _locked_current(
        self, person_id: uuid.UUID, principal: Principal, if_match: str | None, base: int | None
    ) -> Person:
        person = await self.get(person_id, principal, lock=True)
        if person.deleted_at is not None:
            raise Conflict(f"Person {person_id} was deleted", code="person_deleted")
        try:
            check_version(person.version, if_match, base)
        except StaleVersion as exc:
            exc.extra["current"] = (
                Presenter(self.session, self.vault, principal, False).person(person).model_dump(mode="json")
            )
            raise
        return person

    async def update(
        self, person_id: uuid.UUID, data: PersonUpdate, principal: Principal, if_match: str | None
    ) -> Person:
        person = await self._locked_current(person_id, principal, if_match, data.base_version)
        changes = data.model_dump(exclude_unset=True, exclude={"base_version", "national_id"})
        for required in ("name", "relation", "health"):
            if required in changes and changes[required] is None:
                raise ValidationFailed.field(["body", required], f"{required} cannot be emptied", "required")
        health = changes.get("health", person.health)
        grade = changes.get("disability_grade", person.disability_grade)
        if health != Health.disabled and "health" in changes and "disability_grade" not in changes:
            grade = changes["disability_grade"] = None
        _check_disability(health, grade, ["body"])
        if data.national_id is not None:
            parsed = self.parse_number(data.national_id, ["body"])
            index = self.vault.blind_index(parsed.number)
            if index != person.national_id_index:
                await self._refuse_second_living(index, principal, except_id=person.id)
                changes |= {
                    "national_id_cipher": self.vault.encrypt(parsed.number),
                    "national_id_index": index,
                    "national_id_masked": national_id.mask(parsed.number),
                    "birth_date": parsed.birth_date,
                    "sex": parsed.sex,
                }
        if changes.get("deceased_on") and changes["deceased_on"] > china_today():
            raise ValidationFailed.field(
                ["body", "deceased_on"], "The date of death is in the future", "future"
            )
        changes = {k: v for k, v in changes.items() if getattr(person, k) != v}
        if changes:
            await stamp_actor(self.session, principal)
            await self.repository.bump(person, changes, principal)
        return person

    async def move(
        self, person_id: uuid.UUID, data: PersonMove, principal: Principal, if_match: str | None
    ) -> Person:
        person = await self._locked_current(person_id, principal, if_match, data.base_version)
        target = await self.households.get(data.to_household_id, principal.scope_prefix, lock=True)
        if target is None or target.deleted_at is not None:
            raise ValidationFailed.field(
                ["body", "to_household_id"], "No such household in your area", "household_not_found"
            )
        if target.id == person.household_id:
            return person
        await stamp_actor(self.session, principal, data.reason.value)
        self.session.add(
            MoveRow(
                person_id=person.id,
                from_household_id=person.household_id,
                to_household_id=target.id,
                effective_on=data.effective_on or china_today(),
                reason=data.reason.value,
            )
        )
        await self._leave_headship(person)
        await self.repository.bump(
            person,
            {"household_id": target.id, "area_code": target.area_code, "relation": data.relation.value},
            principal,
        )
        return person

    async def _leave_headship(self, person: Person) -> None:
        await self.session.execute(
            update(Household)
            .where(col(Household.head_person_id) == person.id)
            .values(head_person_id=None, version=Household.version + 1, updated_at=func.now())
        )

    async def delete(self, person_id: uuid.UUID, principal: Principal, if_match: str | None) -> Person:
        person = await self._locked_current(person_id, principal, if_match, None)
        await stamp_actor(self.session, principal, "deleted")
        await self._leave_headship(person)
        await self.repository.bump(person, {"deleted_at": func.now()}, principal)
        return person

    async def delete_all_of(self, household_id: uuid.UUID, principal: Principal) -> None:
        await self.session.execute(
            update(Person)
            .where(col(Person.household_id) == household_id, col(Person.deleted_at).is_(None))
            .values(
                deleted_at=func.now(),
                version=Person.version + 1,
                updated_at=func.now(),
                updated_by=principal.id,
            )
        )

    async def search(
        self,
        principal: Principal,
        filters: PersonFilters,
        presenter: Presenter,
        *,
        limit: int,
        cursor: str | None,
    ) -> Page[PersonRead]:
        decoded = decode_cursor(cursor)
        after = None
        if decoded is not None:
            after = (cursor_field(decoded, "name", str), cursor_field(decoded, "id", uuid.UUID))
        rows = await self.repository.search(principal.scope_prefix, filters, after=after, limit=limit + 1)
        items = presenter.people(rows[:limit])
        next_cursor = (
            encode_cursor({"name": items[-1].name, "id": str(items[-1].id)})
            if len(rows) > limit and items
            else None
        )
        return Page[PersonRead](items=items, next_cursor=next_cursor)

    def index_of(self, raw: str) -> bytes:
        parsed = self.parse_number(raw, ["body"])
        return self.vault.blind_index(parsed.number)


def _check_disability(health: str, grade: int | None, loc: list) -> None:
    if (health == Health.disabled) != (grade is not None):
        raise ValidationFailed.field(
            [*loc, "disability_grade"],
            "A disability grade (1–4) is given exactly when health is `disabled`",
            "disability_grade_mismatch",
        )


RACES = {
    "ux_people_living_national_id": (
        "An ID number here was registered a moment ago",
        "national_id_registered",
    ),
    "households_number_key": ("This household number was registered a moment ago", "household_number_exists"),
    "households_pkey": ("This household id was used a moment ago", "household_id_in_use"),
    "people_pkey": ("A person id here was used a moment ago", "person_id_in_use"),
}


def _race_lost(exc: IntegrityError) -> Exception:
    for constraint, (detail, code) in RACES.items():
        if constraint in str(exc.orig):
            return Conflict(f"{detail}; send the request again to see by whom", code=code)
    return exc
