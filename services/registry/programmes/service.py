"""Programme rules: a period sits inside the caller's area, on a real member, never overlapping itself."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.common.retries import ExactCreate, request_digest
from services.registry.households.repository import HouseholdRepository, PersonRepository
from services.registry.models import ProgrammeMembership
from services.registry.programmes.monitored import MONITORED, follows_cases
from services.registry.programmes.repository import MembershipRepository
from services.registry.programmes.schemas import MembershipCreate, MembershipEnd, MembershipRead


class MembershipService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = MembershipRepository(session)

    async def create(self, data: MembershipCreate, principal: Principal) -> tuple[ProgrammeMembership, bool]:
        if data.programme.value == MONITORED:
            raise follows_cases(["body", "programme"])
        once = ExactCreate(
            self.session,
            data.id,
            digest := request_digest(data),
            self.repository.get_any,
            principal,
            "Programme period",
            code="id_in_use",
            missing="membership_not_found",
            legacy=lambda m: (
                principal.covers(m.area_code)  # as before digests were kept
                and (m.household_id, m.programme, m.starts_on)
                == (data.household_id, data.programme.value, data.starts_on)
            ),
        )

        async def start() -> tuple[ProgrammeMembership, bool]:
            household = await HouseholdRepository(self.session).get(
                data.household_id, principal.scope_prefix, lock=True
            )
            if household is None or household.deleted_at is not None:
                raise ValidationFailed.field(
                    ["body", "household_id"], "No such household in your area", "household_not_found"
                )
            if (stored := await once.waited()) is not None:  # a copy held the household before us
                return stored, False
            if data.person_id is not None:
                person = await PersonRepository(self.session).get(data.person_id, principal.scope_prefix)
                if person is None:  # the same words as for monitoring's references
                    raise ValidationFailed.field(
                        ["body", "person_id"], "No such person in your area", "person_not_found"
                    )
                if person.household_id != household.id:
                    raise ValidationFailed.field(
                        ["body", "person_id"],
                        "The person is not a member of this household",
                        "person_not_member",
                    )
            if data.ends_on is not None and data.ends_on < data.starts_on:
                raise ValidationFailed.field(
                    ["body", "ends_on"], "The period ends before it starts", "period_reversed"
                )
            membership = ProgrammeMembership(
                id=data.id or new_id(),
                household_id=household.id,
                person_id=data.person_id,
                area_code=household.area_code,
                programme=data.programme.value,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                note=data.note,
                created_by=principal.id,
                request_sha256=digest,
            )
            if (clash := await self.repository.overlapping(membership)) is not None:
                raise Conflict(
                    f"Already in {data.programme.label} from {clash.starts_on} to {clash.ends_on or 'now'}",
                    code="programme_overlap",
                    membership_id=str(clash.id),
                )
            self.session.add(membership)
            await self.session.flush()
            return membership, True

        return await once.run(start)

    async def end(
        self, membership_id: uuid.UUID, data: MembershipEnd, principal: Principal
    ) -> ProgrammeMembership:
        membership = await self.repository.get(membership_id, principal.scope_prefix, lock=True)
        if membership is None:
            raise NotFound(f"No programme period {membership_id}", code="membership_not_found")
        if membership.programme == MONITORED:  # ended by the elimination of its case
            raise follows_cases(["path", "membership_id"])
        if data.ends_on < membership.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The period ends before it starts", "period_reversed"
            )
        if membership.ends_on is not None and membership.ends_on != data.ends_on:
            raise Conflict(f"This period already ended on {membership.ends_on}", code="membership_ended")
        membership.ends_on = data.ends_on
        membership.ended_by = principal.id
        await self.session.flush()
        return membership

    async def list(
        self,
        principal: Principal,
        *,
        household_id: uuid.UUID | None,
        programme: str | None,
        within: str | None,
        as_of: date | None,
        limit: int,
        cursor: str | None,
    ) -> Page[MembershipRead]:
        after = cursor_field(decode_cursor(cursor), "id", uuid.UUID)
        rows = await self.repository.list(
            principal.scope_prefix,
            household_id=household_id,
            programme=programme,
            within=within,
            as_of=as_of,
            after=after,
            limit=limit + 1,
        )
        items = [MembershipRead.model_validate(r) for r in rows[:limit]]
        next_cursor = encode_cursor({"id": str(items[-1].id)}) if len(rows) > limit and items else None
        return Page[MembershipRead](items=items, next_cursor=next_cursor)
