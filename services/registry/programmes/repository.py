"""SQL of programme periods; reads are scoped by the household's area code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.registry.models import Household, ProgrammeMembership


class MembershipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_any(self, membership_id: uuid.UUID) -> ProgrammeMembership | None:
        """Unscoped, for retries (services.common.retries.ExactCreate); never returned as such."""
        return await self.session.get(ProgrammeMembership, membership_id)

    async def get(
        self, membership_id: uuid.UUID, scope_prefix: str, *, lock: bool = False
    ) -> ProgrammeMembership | None:
        query = select(ProgrammeMembership).where(
            ProgrammeMembership.id == membership_id,
            in_scope(col(ProgrammeMembership.area_code), scope_prefix),
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def overlapping(self, data: ProgrammeMembership) -> ProgrammeMembership | None:
        """A period of the same programme for the same household/person that overlaps this one."""
        query = select(ProgrammeMembership).where(
            ProgrammeMembership.household_id == data.household_id,
            ProgrammeMembership.programme == data.programme,
            ProgrammeMembership.id != data.id,
            (ProgrammeMembership.person_id == data.person_id)
            if data.person_id
            else col(ProgrammeMembership.person_id).is_(None),
            or_(
                col(ProgrammeMembership.ends_on).is_(None), col(ProgrammeMembership.ends_on) >= data.starts_on
            ),
        )
        if data.ends_on is not None:
            query = query.where(ProgrammeMembership.starts_on <= data.ends_on)
        return (await self.session.execute(query.limit(1))).scalars().first()

    async def list(
        self,
        scope_prefix: str,
        *,
        household_id: uuid.UUID | None,
        programme: str | None,
        within: str | None,
        as_of: date | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[ProgrammeMembership]:
        query = select(ProgrammeMembership).where(in_scope(col(ProgrammeMembership.area_code), scope_prefix))
        if household_id:
            query = query.where(ProgrammeMembership.household_id == household_id)
        if programme:
            query = query.where(ProgrammeMembership.programme == programme)
        if within:
            query = query.where(in_scope(col(ProgrammeMembership.area_code), within))
        if as_of:
            query = query.where(
                ProgrammeMembership.starts_on <= as_of,
                or_(col(ProgrammeMembership.ends_on).is_(None), col(ProgrammeMembership.ends_on) >= as_of),
            )
        if after:
            query = query.where(ProgrammeMembership.id > after)
        return (
            (await self.session.execute(query.order_by(col(ProgrammeMembership.id)).limit(limit)))
            .scalars()
            .all()
        )

    # The 监测户 periods the registry keeps from monitoring's events (``programmes.monitored``).

    async def household_of_event(self, household_id: uuid.UUID) -> Household | None:
        """Unscoped (an event is no caller's request), locked: the events of a household in order."""
        query = select(Household).where(Household.id == household_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def periods_of(self, household_id: uuid.UUID, programme: str) -> Sequence[ProgrammeMembership]:
        """The household's own periods (not a member's) in a programme, oldest first, locked."""
        query = (
            select(ProgrammeMembership)
            .where(
                ProgrammeMembership.household_id == household_id,
                ProgrammeMembership.programme == programme,
                col(ProgrammeMembership.person_id).is_(None),
            )
            .order_by(col(ProgrammeMembership.starts_on))
            .with_for_update()
        )
        return (await self.session.execute(query)).scalars().all()

    async def set_category(self, household: Household, category: str, actor: str) -> None:
        """The household's category, as a new version (the change log publishes household.changed)."""
        await self.session.execute(
            text(
                "SELECT set_config('fangpin.actor', :actor, true), "
                "set_config('fangpin.actor_name', :actor, true), set_config('fangpin.reason', '', true)"
            ),
            {"actor": actor},
        )
        await self.session.execute(
            update(Household)
            .where(col(Household.id) == household.id)
            .values(category=category, version=Household.version + 1, updated_at=func.now(), updated_by=actor)
        )
        await self.session.refresh(household)
