"""Household rules: scoped reads, idempotent creates, versioned updates, moves and soft deletes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import StaleVersion, check_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.registry.codes import CATEGORY_PROGRAMMES, HouseholdCategory, Relation
from services.registry.disclosures import Disclosing, Disclosure
from services.registry.households.person_service import PersonService
from services.registry.households.repository import HouseholdFilters, HouseholdRepository, stamp_actor
from services.registry.households.schemas import (
    HouseholdCreate,
    HouseholdDelete,
    HouseholdMove,
    HouseholdRead,
    HouseholdSummary,
    HouseholdUpdate,
)
from services.registry.households.views import Presenter, summary
from services.registry.models import Area, Household, ProgrammeMembership
from services.registry.models import HouseholdMove as MoveRow
from services.registry.national_id import IdVault
from services.registry.programmes.monitored import MONITORED, follows_cases
from services.registry.villages.groups import leave_on_move


class HouseholdService:
    def __init__(self, session: AsyncSession, vault: IdVault) -> None:
        self.session = session
        self.vault = vault
        self.repository = HouseholdRepository(session)
        self.people = PersonService(session, vault)

    async def create(
        self,
        data: HouseholdCreate,
        principal: Principal,
        loc: tuple = ("body",),
        request_sha256: bytes | None = None,
    ) -> tuple[Household, bool]:
        """Register a household with its members; the same request again returns the first result.
        ``request_sha256`` (the request's digest) is kept with it, for retries (see the intake)."""
        known = self.repository.known_absent
        if (
            data.id is not None
            and data.id not in known
            and (existing := await self.repository.get_any(data.id))
        ):
            return await self._replayed(existing, data, principal), False
        if data.category == HouseholdCategory.monitored:
            raise follows_cases([*loc, "category"])
        if data.number not in known and (same_number := await self.repository.by_number(data.number)):
            detail = f"Household number {data.number} is already registered"
            if principal.covers(same_number.area_code):
                raise Conflict(detail, code="household_number_exists", household_id=str(same_number.id))
            raise Disclosing(
                detail + " outside your area",
                Disclosure.household(same_number.id, same_number.area_code),
                code="household_number_exists",
            )
        await self.village(data.area_code, principal, [*loc, "area_code"])
        heads = [i for i, m in enumerate(data.members) if m.relation == Relation.head]
        if len(heads) > 1:
            raise ValidationFailed.field([*loc, "members"], "A household has one head (户主)", "two_heads")
        _check_programmes(data, loc)
        await stamp_actor(self.session, principal)
        fields = data.model_dump(exclude={"id", "members", "registered_on", "programmes"}, exclude_none=True)
        household = Household(
            id=data.id or new_id(),
            **fields,
            registered_on=data.registered_on or china_today(),
            created_by=principal.id,
            updated_by=principal.id,
            request_sha256=request_sha256,
        )
        members = [
            (
                self.people.build(household, m, principal, [*loc, "members", i], household.registered_on),
                [*loc, "members", i],
            )
            for i, m in enumerate(data.members)
        ]
        if heads:
            # The head is named in the same INSERT (the foreign key is checked at commit).
            household.head_person_id = members[heads[0]][0].id
        self.session.add(household)
        await self.people.register(members, principal)
        self._open_category(household, household.registered_on, principal)
        for period in data.programmes:
            self.session.add(
                ProgrammeMembership(
                    id=new_id(),
                    household_id=household.id,
                    person_id=period.person_id,
                    area_code=household.area_code,
                    programme=period.programme.value,
                    starts_on=period.starts_on,
                    ends_on=period.ends_on,
                    created_by=principal.id,
                )
            )
        await self.session.flush()
        return household, True

    async def _replayed(self, existing: Household, data: HouseholdCreate, principal: Principal) -> Household:
        if not principal.covers(existing.area_code) or existing.number != data.number:
            raise Conflict(f"Household id {data.id} is already in use", code="household_id_in_use")
        return existing

    async def village(self, code: str, principal: Principal, loc: list) -> Area:
        if not principal.covers(code):
            raise Forbidden(f"Village {code} lies outside your area scope", code="outside_scope")
        area = await self.session.get(Area, code)
        if area is None or area.level != "village":
            raise ValidationFailed.field(loc, f"{code} is not a registered village", "unknown_village")
        if area.merged_into_code:
            raise ValidationFailed.field(
                loc, f"Village {code} was merged into {area.merged_into_code}", "village_merged"
            )
        return area

    async def get(self, household_id: uuid.UUID, principal: Principal, *, lock: bool = False) -> Household:
        household = await self.repository.get(household_id, principal.scope_prefix, lock=lock)
        if household is None:
            raise NotFound(f"No household {household_id}", code="household_not_found")
        return household

    async def read(
        self, household_id: uuid.UUID, principal: Principal, reveal: bool = False
    ) -> HouseholdRead:
        household = await self.get(household_id, principal)
        return await self.present(household, Presenter(self.session, self.vault, principal, reveal))

    async def present(self, household: Household, presenter: Presenter) -> HouseholdRead:
        return presenter.household(household, await self.repository.members([household.id]))

    async def update(
        self, household_id: uuid.UUID, data: HouseholdUpdate, principal: Principal, if_match: str | None
    ) -> Household:
        household = await self._locked_current(household_id, principal, if_match, data.base_version)
        changes = data.model_dump(exclude_unset=True, exclude={"base_version"})
        if "category" in changes and changes["category"] is None:
            raise ValidationFailed.field(
                ["body", "category"], "A household always has a category", "required"
            )
        head = changes.get("head_person_id")
        if head is not None and head not in {m.id for m in await self.repository.members([household.id])}:
            raise ValidationFailed.field(
                ["body", "head_person_id"], "The head must be a member of the household", "head_not_member"
            )
        changes = {k: v for k, v in changes.items() if getattr(household, k) != v}
        if not changes:
            return household
        if "category" in changes and MONITORED in (household.category, changes["category"]):
            raise follows_cases(["body", "category"])  # neither set nor lifted by hand
        await stamp_actor(self.session, principal)
        old_category = household.category
        await self.repository.bump(household, changes, principal)
        if household.category != old_category:
            await self._close_category(household, old_category, china_today(), principal)
            self._open_category(household, china_today(), principal)
        return household

    async def _locked_current(
        self, household_id: uuid.UUID, principal: Principal, if_match: str | None, base: int | None
    ) -> Household:
        household = await self.get(household_id, principal, lock=True)
        if household.deleted_at is not None:
            raise Conflict(f"Household {household_id} was deleted", code="household_deleted")
        try:
            check_version(household.version, if_match, base)
        except StaleVersion as exc:
            # The phone gets the current state with the refusal, to show the user what changed.
            current = await self.present(household, Presenter(self.session, self.vault, principal, False))
            exc.extra["current"] = current.model_dump(mode="json")
            raise
        return household

    async def move(
        self, household_id: uuid.UUID, data: HouseholdMove, principal: Principal, if_match: str | None
    ) -> Household:
        household = await self._locked_current(household_id, principal, if_match, data.base_version)
        await self.village(data.to_area_code, principal, ["body", "to_area_code"])
        if data.to_area_code == household.area_code:
            return household
        await stamp_actor(self.session, principal, "move")
        day = data.effective_on or china_today()
        await leave_on_move(self.session, household.id, day)  # its group is the old village's
        await self.relocate(household, data.to_area_code, day, "move", principal)
        return household

    async def relocate(
        self,
        household: Household,
        to_area: str,
        effective_on: date,
        reason: str,
        principal: Principal,
        merge_id: uuid.UUID | None = None,
    ) -> None:
        """Move a household and its members to another village, remembering where it was before."""
        await self.relocate_all([household], to_area, effective_on, reason, principal, merge_id)
        await self.session.refresh(household)

    async def relocate_all(
        self,
        households: list[Household],
        to_area: str,
        effective_on: date,
        reason: str,
        principal: Principal,
        merge_id: uuid.UUID | None = None,
    ) -> None:
        """Move locked households together: a few statements for all of them, not a few each (the
        rollup triggers run per statement, so a merged village's hundreds of households recount once)."""
        if not households:
            return
        moves = [
            {
                "household_id": household.id,
                "from_area_code": household.area_code,
                "to_area_code": to_area,
                "effective_on": effective_on,
                "reason": reason,
                "merge_id": merge_id,
            }
            for household in households
        ]
        await self.session.execute(insert(MoveRow).values(moves))
        ids = [household.id for household in households]
        await self.repository.move_all(ids, to_area, principal)
        await self.repository.set_area_of_dependants(ids, to_area)

    async def delete(
        self, household_id: uuid.UUID, data: HouseholdDelete, principal: Principal, if_match: str | None
    ) -> Household:
        household = await self._locked_current(household_id, principal, if_match, data.base_version)
        await stamp_actor(self.session, principal, data.reason)
        await self.people.delete_all_of(household.id, principal)
        await self.repository.bump(
            household, {"deleted_at": func.now(), "deleted_reason": data.reason}, principal
        )
        return household

    async def search(
        self, principal: Principal, filters: HouseholdFilters, *, limit: int, cursor: str | None
    ) -> Page[HouseholdSummary]:
        after = cursor_field(decode_cursor(cursor), "number", str)
        rows = await self.repository.search(
            principal.scope_prefix, filters, after_number=after, limit=limit + 1
        )
        items = [summary(row) for row in rows[:limit]]
        next_cursor = encode_cursor({"number": items[-1].number}) if len(rows) > limit and items else None
        return Page[HouseholdSummary](items=items, next_cursor=next_cursor)

    async def count(self, principal: Principal, filters: HouseholdFilters) -> int:
        return await self.repository.count(principal.scope_prefix, filters)

    def _open_category(self, household: Household, starts_on: date, principal: Principal) -> None:
        programme = CATEGORY_PROGRAMMES.get(HouseholdCategory(household.category))
        if programme is not None:
            self.session.add(
                ProgrammeMembership(
                    id=new_id(),
                    household_id=household.id,
                    area_code=household.area_code,
                    programme=programme.value,
                    starts_on=starts_on,
                    created_by=principal.id,
                )
            )

    async def _close_category(
        self, household: Household, category: str, day: date, principal: Principal
    ) -> None:
        programme = CATEGORY_PROGRAMMES.get(HouseholdCategory(category))
        if programme is not None:
            await self.repository.end_periods(household.id, programme.value, day, principal.id)


def _check_programmes(data: HouseholdCreate, loc: tuple) -> None:
    member_ids = {m.id for m in data.members if m.id is not None}
    seen: set[tuple[str, object]] = set()
    for i, period in enumerate(data.programmes):
        where = [*loc, "programmes", i]
        if period.programme.value in {p.value for p in CATEGORY_PROGRAMMES.values()}:
            raise ValidationFailed.field(
                [*where, "programme"],
                "脱贫户 follows the household's `category`, 监测户 its case",
                "category_programme",
            )
        if period.person_id is not None and period.person_id not in member_ids:
            raise ValidationFailed.field(
                [*where, "person_id"],
                "Name a member by the `id` given to it in this request",
                "person_not_member",
            )
        if period.ends_on is not None and period.ends_on < period.starts_on:
            raise ValidationFailed.field(
                [*where, "ends_on"], "The period ends before it starts", "period_reversed"
            )
        if (period.programme, period.person_id) in seen:
            raise ValidationFailed.field(
                where, "The same programme twice for the same person", "programme_overlap"
            )
        seen.add((period.programme, period.person_id))
