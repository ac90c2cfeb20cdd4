"""What the oversight service does: keep support units and their teams, set targets (check-ins:
``check_ins``).

Retries are exact, as in the other services: a create repeats the first result when its id and request
are the same (a racing copy waits on the id's unique index for the first to commit, then answers the
same); the same id with another request is the only conflict.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import AreaLevel, is_village, is_within
from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.oversight.cadres import KnownCadres
from services.oversight.codes import LeaveState
from services.oversight.models import Leave, PresenceTarget, SupportUnit, WorkTeam
from services.oversight.repository import OversightRepository
from services.oversight.schemas import LeaveCreate, LeaveDecision, TargetSet, TeamCreate, UnitCreate


def request_digest(body: BaseModel) -> bytes:
    """The digest of a create request as received (the schema's field order)."""
    return hashlib.sha256(body.model_dump_json().encode()).digest()


def not_found(kind: str, thing_id: uuid.UUID) -> NotFound:
    return NotFound(f"No {kind.replace('_', ' ')} {thing_id}", code=f"{kind}_not_found")


def _same(stored: bytes | None, asked: bytes, principal: Principal, area_code: str) -> bool:
    return stored == asked and principal.covers(area_code)


def _village(code: str, principal: Principal, field: str) -> str:
    area_to_create_in(code, principal, field)
    if not is_village(code):
        raise ValidationFailed.field(["body", field], f"{code} is not a village", "not_a_village")
    return code


class OversightService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = OversightRepository(session)

    async def create_unit(self, body: UnitCreate, principal: Principal) -> tuple[SupportUnit, bool]:
        area_to_create_in(body.area_code, principal)
        for index, village in enumerate(body.villages):
            _village(village, principal, "villages")
            if not is_within(village, body.area_code):
                raise ValidationFailed.field(
                    ["body", "villages", index],
                    f"Village {village} is not within {body.area_code}",
                    "village_outside_area",
                )
        unit_id, digest = body.id or new_id(), request_digest(body)
        values = {
            "id": unit_id,
            "name": body.name,
            "level": body.level.value,
            "area_code": body.area_code,
            "villages": body.villages,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        created = await self.repository.insert_unit(values)
        unit = await self.repository.unit_anywhere(unit_id)
        assert unit is not None
        if not created and not _same(unit.request_sha256, digest, principal, unit.area_code):
            raise Conflict(f"Unit {unit_id} exists with other details", code="unit_id_in_use")
        return unit, created

    async def create_team(
        self, body: TeamCreate, principal: Principal, known_cadres: KnownCadres
    ) -> tuple[WorkTeam, bool]:
        _village(body.village_code, principal, "village_code")
        unit = await self.repository.unit(body.unit_id, principal.scope_prefix)
        if unit is None:
            raise ValidationFailed.field(
                ["body", "unit_id"], f"No unit {body.unit_id} in your area", "unit_not_found"
            )
        if body.village_code not in unit.villages:
            raise ValidationFailed.field(
                ["body", "unit_id"],
                f"Unit {body.unit_id} does not support village {body.village_code}",
                "unit_not_supporting_village",
            )
        for index, member in enumerate(body.members):
            if (
                member.unit_id is not None
                and await self.repository.unit(member.unit_id, principal.scope_prefix) is None
            ):
                raise ValidationFailed.field(
                    ["body", "members", index, "unit_id"],
                    f"No unit {member.unit_id} in your area",
                    "unit_not_found",
                )
        cadres = await known_cadres([m.cadre_id for m in body.members if m.cadre_id])
        for index, member in enumerate(body.members):
            if member.cadre_id is not None and member.cadre_id not in cadres:
                raise ValidationFailed.field(
                    ["body", "members", index, "cadre_id"],
                    f"No cadre {member.cadre_id} in your area",
                    "cadre_not_found",
                )
        team_id, digest = body.id or new_id(), request_digest(body)
        members = [
            {
                "id": m.id or new_id(),
                "team_id": team_id,
                "village_code": body.village_code,
                "name": m.name,
                "role": m.role.value,
                "duty": m.duty.value,
                "unit_id": m.unit_id or body.unit_id,
                "phone": m.phone,
                "starts_on": m.starts_on,
                "ends_on": m.ends_on,
                "cadre_id": m.cadre_id,
            }
            for m in body.members
        ]
        earlier = await self.repository.team_anywhere(team_id)
        if earlier is None:
            taken = await self.repository.member_ids_taken([m.id for m in body.members if m.id])
            if taken:
                raise Conflict(f"Member {taken[0]} exists already", code="member_id_in_use")
            values = {
                "id": team_id,
                "village_code": body.village_code,
                "unit_id": body.unit_id,
                "starts_on": body.starts_on,
                "ends_on": body.ends_on,
                "request_sha256": digest,
                "created_by": principal.id,
            }
            inserted = await self.repository.insert_team(values, members)
            if inserted is None:  # a racing request took a member's id
                raise Conflict("A member's id exists already", code="member_id_in_use")
            if inserted:
                team = await self.repository.team_anywhere(team_id)
                assert team is not None
                return team, True
            earlier = await self.repository.team_anywhere(team_id)
        assert earlier is not None
        if not _same(earlier.request_sha256, digest, principal, earlier.village_code):
            raise Conflict(f"Team {team_id} exists with other details", code="team_id_in_use")
        return earlier, False

    async def request_leave(self, body: LeaveCreate, principal: Principal) -> tuple[Leave, bool]:
        """The leave, and whether this request made it (False: a retry of the one that did)."""
        leave_id, digest = body.id or new_id(), request_digest(body)
        earlier = await self.repository.leave_anywhere(leave_id)
        if earlier is None:
            members = await self.repository.members([body.member_id], principal.scope_prefix)
            member = members.get(body.member_id)
            if member is None:
                raise ValidationFailed.field(
                    ["body", "member_id"], f"No team member {body.member_id} in your area", "member_not_found"
                )
            values = {
                "id": leave_id,
                "member_id": member.id,
                "village_code": member.village_code,
                "starts_on": body.starts_on,
                "ends_on": body.ends_on,
                "reason": body.reason,
                "state": LeaveState.requested.value,
                "request_sha256": digest,
                "created_by": principal.id,
            }
            if await self.repository.insert_leave(values):
                leave = await self.repository.leave_anywhere(leave_id)
                assert leave is not None
                return leave, True
            earlier = await self.repository.leave_anywhere(leave_id)
        assert earlier is not None
        if not _same(earlier.request_sha256, digest, principal, earlier.village_code):
            raise Conflict(f"Leave {leave_id} exists with other details", code="leave_id_in_use")
        return earlier, False

    async def decide_leave(self, leave_id: uuid.UUID, body: LeaveDecision, principal: Principal) -> Leave:
        """The town approves or refuses (an account scoped to a village may not, whatever its role)."""
        leave = await self.repository.leave(leave_id, principal.scope_prefix, lock=True)
        if leave is None:
            raise not_found("leave", leave_id)
        if principal.scope_level is AreaLevel.village:
            raise Forbidden("A leave is approved by the town, not the village", code="town_decides")
        if leave.state != LeaveState.requested.value:
            raise Conflict(f"The leave was {leave.state} already", code="leave_decided")
        if not body.approve and body.note is None:
            raise ValidationFailed.field(["body", "note"], "A refusal says why", "note_required")
        leave.state = (LeaveState.approved if body.approve else LeaveState.refused).value
        leave.decided_by, leave.decided_at, leave.decision_note = principal.id, datetime.now(UTC), body.note
        await self.session.flush()
        return leave

    async def set_target(
        self, body: TargetSet, principal: Principal
    ) -> tuple[PresenceTarget, PresenceTarget | None]:
        """The target now, and the one it replaced (None: new)."""
        area_to_create_in(body.area_code, principal)
        before = await self.repository.target(body.area_code, body.year, body.duty.value)
        before_copy = PresenceTarget.model_validate(before.model_dump()) if before else None
        target = await self.repository.set_target(
            {
                "area_code": body.area_code,
                "year": body.year,
                "duty": body.duty.value,
                "days_per_year": body.days_per_year,
                "days_per_week": body.days_per_week,
                "set_by": principal.id,
            }
        )
        return target, before_copy
