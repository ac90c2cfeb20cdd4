"""Cadre rules: cadres work inside the caller's area; a pairing is current until it is ended."""

from __future__ import annotations

import builtins
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.pagination import Page, cursor_field, decode_cursor, encode_cursor
from services.common.retries import ExactCreate, request_digest
from services.registry.cadres.repository import CadreRepository
from services.registry.cadres.schemas import (
    AssignmentCreate,
    AssignmentEnd,
    AssignmentRead,
    CadreCreate,
    CadreRead,
    HouseholdCadre,
)
from services.registry.households.repository import HouseholdRepository
from services.registry.models import Area, Cadre, CadreAssignment


def assignment_read(assignment: CadreAssignment) -> AssignmentRead:
    return AssignmentRead.model_validate(
        {
            **{k: getattr(assignment, k) for k in AssignmentRead.model_fields if k != "current"},
            "current": assignment.ends_on is None,
        }
    )


class CadreService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CadreRepository(session)

    async def create(self, data: CadreCreate, principal: Principal) -> tuple[Cadre, bool]:
        once = ExactCreate(
            self.session,
            data.id,
            digest := request_digest(data),
            self.repository.get_any,
            principal,
            "Cadre",
            code="cadre_id_in_use",
            missing="cadre_not_found",
            legacy=lambda c: (c.name, c.area_code) == (data.name, data.area_code),  # as before digests
        )

        async def register() -> tuple[Cadre, bool]:
            if not principal.covers(data.area_code):
                raise Forbidden(f"Area {data.area_code} lies outside your area scope", code="outside_scope")
            if await self.session.get(Area, data.area_code) is None:
                raise ValidationFailed.field(
                    ["body", "area_code"], f"No area {data.area_code}", "unknown_area"
                )
            cadre = Cadre(id=data.id or new_id(), **data.model_dump(exclude={"id"}), request_sha256=digest)
            self.session.add(cadre)
            await self.session.flush()  # a copy inserting the same id waits here for ours to end
            return cadre, True

        return await once.run(register)

    async def get(self, cadre_id: uuid.UUID, principal: Principal) -> Cadre:
        cadre = await self.repository.get(cadre_id, principal.scope_prefix)
        if cadre is None:
            raise NotFound(f"No cadre {cadre_id}", code="cadre_not_found")
        return cadre

    async def list(
        self, principal: Principal, *, within: str | None, name: str | None, limit: int, cursor: str | None
    ) -> Page[CadreRead]:
        decoded = decode_cursor(cursor)
        after = None
        if decoded is not None:
            after = (cursor_field(decoded, "name", str), cursor_field(decoded, "id", uuid.UUID))
        rows = await self.repository.list(
            principal.scope_prefix, within=within, name=name, after=after, limit=limit + 1
        )
        items = [CadreRead.model_validate(r) for r in rows[:limit]]
        next_cursor = (
            encode_cursor({"name": items[-1].name, "id": str(items[-1].id)})
            if len(rows) > limit and items
            else None
        )
        return Page[CadreRead](items=items, next_cursor=next_cursor)

    async def assign(
        self, cadre_id: uuid.UUID, data: AssignmentCreate, principal: Principal
    ) -> tuple[CadreAssignment, bool]:
        once = ExactCreate(
            self.session,
            data.id,
            digest := request_digest(data, cadre_id),
            self.repository.assignment_any,
            principal,
            "Pairing",
            code="assignment_id_in_use",
            missing="assignment_not_found",
        )

        async def pair() -> tuple[CadreAssignment, bool]:
            cadre = await self.get(cadre_id, principal)
            household = await HouseholdRepository(self.session).get(
                data.household_id, principal.scope_prefix, lock=True
            )
            if household is None or household.deleted_at is not None:
                raise ValidationFailed.field(
                    ["body", "household_id"], "No such household in your area", "household_not_found"
                )
            if (stored := await once.waited()) is not None:  # a copy held the household before us
                return stored, False
            if not cadre.active:
                raise Conflict("This cadre is no longer active", code="cadre_inactive")
            if (current := await self.repository.current_assignment(cadre.id, household.id)) is not None:
                return current, False  # already paired: a second tap on the phone
            assignment = CadreAssignment(
                id=data.id or new_id(),
                cadre_id=cadre.id,
                household_id=household.id,
                area_code=household.area_code,
                starts_on=data.starts_on or china_today(),
                created_by=principal.id,
                request_sha256=digest if data.id is not None else None,
            )
            self.session.add(assignment)
            await self.session.flush()
            return assignment, True

        return await once.run(pair)

    async def end(
        self, assignment_id: uuid.UUID, data: AssignmentEnd, principal: Principal
    ) -> CadreAssignment:
        assignment = await self.repository.assignment(assignment_id, principal.scope_prefix)
        if assignment is None:
            raise NotFound(f"No pairing {assignment_id}", code="assignment_not_found")
        ends_on = data.ends_on or china_today()
        if ends_on < assignment.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The pairing ends before it starts", "period_reversed"
            )
        if assignment.ends_on is None:
            assignment.ends_on = ends_on
            await self.session.flush()
        return assignment

    async def of_household(
        self, household_id: uuid.UUID, principal: Principal
    ) -> builtins.list[HouseholdCadre]:
        household = await HouseholdRepository(self.session).get(household_id, principal.scope_prefix)
        if household is None:
            raise NotFound(f"No household {household_id}", code="household_not_found")
        return [
            HouseholdCadre(assignment=assignment_read(a), cadre=CadreRead.model_validate(c))
            for a, c in await self.repository.of_household(household.id)
        ]
