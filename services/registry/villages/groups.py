"""Groups (村民小组), households' dated moves between them, and cadres paired with a whole group.

A household is in at most one group at a time: a move ends its open period the day before the new one
starts (a move on the day its period began replaces it). The household's ``group_no`` follows, so the
ledger and the phones show the number. A group pairing covers the group's households through household
pairings that name it: made when it starts or a household joins, ended when it ends or one leaves.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.common.retries import ExactCreate, request_digest
from services.registry.cadres.repository import CadreRepository
from services.registry.households.repository import HouseholdRepository, stamp_actor
from services.registry.models import Area, CadreAssignment, Household
from services.registry.villages.models import GroupPairing, HouseholdGroup, VillageGroup
from services.registry.villages.repository import VillageRepository
from services.registry.villages.schemas import (
    GroupCreate,
    GroupMoveCreate,
    GroupPairingCreate,
    GroupPairingEnd,
    GroupWithCounts,
)


class GroupService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = VillageRepository(session)

    async def village(self, code: str, principal: Principal) -> Area:
        village = await self.repository.village(code, principal.scope_prefix)
        if village is None:
            raise NotFound(f"No village {code}", code="area_not_found")
        return village

    async def create(self, code: str, data: GroupCreate, principal: Principal) -> tuple[VillageGroup, bool]:
        """A group by its number: the same number and name again is the same group (a retry)."""
        village = await self.village(code, principal)
        if village.merged_into_code:
            raise Conflict(
                f"{village.name} was merged into {village.merged_into_code}", code="village_merged"
            )
        # Two phones adding the same number wait for each other on the village's row.
        await self.session.execute(select(Area).where(col(Area.code) == code).with_for_update())
        if (same := await self.repository.group_numbered(code, data.number)) is not None:
            if same.name != data.name:
                raise Conflict(f"Group {data.number} is {same.name}", code="group_number_taken")
            return same, False
        group = VillageGroup(id=new_id(), area_code=code, created_by=principal.id, **data.model_dump())
        self.session.add(group)
        await self.session.flush()
        return group, True

    async def list(
        self, code: str, principal: Principal, day: date, limit: int, cursor: str | None
    ) -> Page[GroupWithCounts]:
        await self.village(code, principal)
        decoded = decode_cursor(cursor)
        after = None
        if decoded is not None:
            after = (cursor_field(decoded, "number", int), cursor_field(decoded, "id", uuid.UUID))
        rows = await self.repository.groups(code, after, limit + 1)
        counts = await self.repository.group_counts(code, day)
        items = [
            GroupWithCounts.model_validate(
                {
                    **{
                        k: getattr(g, k)
                        for k in ("id", "area_code", "number", "name", "version", "created_at")
                    },
                    "households": counts.get(g.id, (0, 0))[0],
                    "people": counts.get(g.id, (0, 0))[1],
                }
            )
            for g in rows[:limit]
        ]
        more = len(rows) > limit and items
        next_cursor = encode_cursor({"number": items[-1].number, "id": str(items[-1].id)}) if more else None
        return Page[GroupWithCounts](items=items, next_cursor=next_cursor)

    async def move(
        self, household_id: uuid.UUID, data: GroupMoveCreate, principal: Principal
    ) -> tuple[Household, builtins.list[HouseholdGroup]]:
        households = HouseholdRepository(self.session)
        household = await households.get(household_id, principal.scope_prefix, lock=True)
        if household is None:
            raise NotFound(f"No household {household_id}", code="household_not_found")
        if household.deleted_at is not None:
            raise Conflict(f"Household {household_id} was deleted", code="household_deleted")
        group = None
        if data.group_id is not None:
            group = await self.repository.group(data.group_id, principal.scope_prefix)
            if group is None:  # a body's id, like a pairing's household: 422, the same as missing
                raise ValidationFailed.field(
                    ["body", "group_id"], "No such group in your area", "group_not_found"
                )
            if group.area_code != household.area_code:
                raise ValidationFailed.field(
                    ["body", "group_id"], "The group is in another village", "group_of_other_village"
                )
        day = data.effective_on or china_today()
        current = await self.repository.open_period(household.id)
        if (current.group_id if current else None) == (group.id if group else None):
            return household, list(await self.repository.periods(household.id))  # already there
        if current is not None:
            if day < current.starts_on:
                raise ValidationFailed.field(
                    ["body", "effective_on"],
                    f"The household is in its group since {current.starts_on}",
                    "before_current_group",
                )
            await self._leave(current, day)
        if group is not None:
            self.session.add(
                HouseholdGroup(
                    household_id=household.id,
                    group_id=group.id,
                    area_code=household.area_code,
                    starts_on=day,
                    created_by=principal.id,
                )
            )
            await self.session.flush()
            for pairing in await self.repository.open_pairings_of(group.id):
                await self._cover(pairing, household.id, max(day, pairing.starts_on), principal)
        if household.group_no != (number := group.number if group else None):  # the ledger's 组 follows
            await stamp_actor(self.session, principal, "group")
            await households.bump(household, {"group_no": number}, principal)
        return household, list(await self.repository.periods(household.id))

    async def _leave(self, period: HouseholdGroup, day: date) -> None:
        await leave_group(self.session, period, day)

    async def periods(self, household_id: uuid.UUID, principal: Principal) -> builtins.list[HouseholdGroup]:
        household = await HouseholdRepository(self.session).get(household_id, principal.scope_prefix)
        if household is None:
            raise NotFound(f"No household {household_id}", code="household_not_found")
        return list(await self.repository.periods(household.id))

    # A cadre paired with a whole group
    async def pair(
        self, cadre_id: uuid.UUID, data: GroupPairingCreate, principal: Principal
    ) -> tuple[GroupPairing, bool]:
        once = ExactCreate(
            self.session,
            data.id,
            digest := request_digest(data, cadre_id),
            self._pairing_any,
            principal,
            "Group pairing",
            code="group_pairing_id_in_use",
            missing="group_pairing_not_found",
        )

        async def pair() -> tuple[GroupPairing, bool]:
            cadre = await CadreRepository(self.session).get(cadre_id, principal.scope_prefix)
            if cadre is None:
                raise NotFound(f"No cadre {cadre_id}", code="cadre_not_found")
            group = await self.repository.group(data.group_id, principal.scope_prefix, lock=True)
            if group is None:
                raise ValidationFailed.field(
                    ["body", "group_id"], "No such group in your area", "group_not_found"
                )
            if (stored := await once.waited()) is not None:
                return stored, False
            if not cadre.active:
                raise Conflict("This cadre is no longer active", code="cadre_inactive")
            if (current := await self.repository.open_group_pairing(cadre.id, group.id)) is not None:
                return current, False
            pairing = GroupPairing(
                id=data.id or new_id(),
                cadre_id=cadre.id,
                group_id=group.id,
                area_code=group.area_code,
                starts_on=data.starts_on or china_today(),
                created_by=principal.id,
                request_sha256=digest if data.id is not None else None,
            )
            self.session.add(pairing)
            await self.session.flush()
            for household_id in await self.repository.households_in(group.id):
                await self._cover(pairing, household_id, pairing.starts_on, principal)
            return pairing, True

        return await once.run(pair)

    async def _pairing_any(self, pairing_id: uuid.UUID) -> GroupPairing | None:
        return await self.session.get(GroupPairing, pairing_id)

    async def _cover(
        self, pairing: GroupPairing, household_id: uuid.UUID, day: date, principal: Principal
    ) -> None:
        if await self.repository.paired(pairing.cadre_id, household_id):
            return  # already paired with this household on its own
        household = await self.session.get(Household, household_id)
        assert household is not None
        self.session.add(
            CadreAssignment(
                id=new_id(),
                cadre_id=pairing.cadre_id,
                household_id=household_id,
                area_code=household.area_code,
                starts_on=day,
                created_by=principal.id,
                group_pairing_id=pairing.id,
            )
        )
        await self.session.flush()

    async def end_pairing(
        self, pairing_id: uuid.UUID, data: GroupPairingEnd, principal: Principal
    ) -> GroupPairing:
        pairing = await self.repository.group_pairing(pairing_id, principal.scope_prefix)
        if pairing is None:
            raise NotFound(f"No group pairing {pairing_id}", code="group_pairing_not_found")
        ends_on = data.ends_on or china_today()
        if ends_on < pairing.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The pairing ends before it starts", "period_reversed"
            )
        if pairing.ends_on is None:
            pairing.ends_on = ends_on
            for assignment in await self.repository.open_assignments(pairing_id=pairing.id):
                assignment.ends_on = max(ends_on, assignment.starts_on)
            await self.session.flush()
        return pairing

    async def covered(self, pairing: GroupPairing) -> int:
        return await self.repository.covered(pairing.id)


async def leave_group(session: AsyncSession, period: HouseholdGroup, day: date) -> None:
    """The household is out of its group from ``day``, and out of the group pairings it was covered by."""
    if period.starts_on >= day:  # left the day it joined (or before): that period never was
        await session.delete(period)
    else:
        period.ends_on = day - timedelta(days=1)
    await session.flush()
    for assignment in await VillageRepository(session).open_assignments(household_id=period.household_id):
        assignment.ends_on = max(day - timedelta(days=1), assignment.starts_on)
    await session.flush()


async def leave_on_move(session: AsyncSession, household_id: uuid.UUID, day: date) -> None:
    """A household moved to another village is in none of the old village's groups from the day."""
    if (period := await VillageRepository(session).open_period(household_id)) is not None:
        await leave_group(session, period, day)
