"""What the oversight service does: keep support units and their teams, take check-ins, set targets.

Retries are exact, as in the other services: a create repeats the first result when its id and request
are the same (a racing copy waits on the id's unique index for the first to commit, then answers the
same); the same id with another request is the only conflict.

A far check-in is kept and flagged, never refused: a phone's GPS drifts, and the town judges. The
registry keeps no point for a village, so a village's first check-in sets it (and is itself not far);
later ones are measured from it.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village, is_within
from services.common.auth import Principal
from services.common.calendar import CHINA
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.oversight.cadres import KnownCadres
from services.oversight.models import CheckIn, PresenceTarget, SupportUnit, WorkTeam
from services.oversight.repository import OversightRepository
from services.oversight.schemas import CheckInCreate, TargetSet, TeamCreate, UnitCreate

EARTH_RADIUS_M = 6_371_000
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not a check-in from the future


def request_digest(body: BaseModel) -> bytes:
    """The digest of a create request as received (the schema's field order)."""
    return hashlib.sha256(body.model_dump_json().encode()).digest()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance (haversine), in whole metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


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
            if await self.repository.insert_team(values, members):
                team = await self.repository.team_anywhere(team_id)
                assert team is not None
                return team, True
            earlier = await self.repository.team_anywhere(team_id)
        assert earlier is not None
        if not _same(earlier.request_sha256, digest, principal, earlier.village_code):
            raise Conflict(f"Team {team_id} exists with other details", code="team_id_in_use")
        return earlier, False

    async def check_in(self, body: CheckInCreate, principal: Principal, far_m: int) -> tuple[CheckIn, bool]:
        """The check-in, and whether this request made it (False: a retry of the one that did)."""
        digest = request_digest(body)
        earlier = await self.repository.check_in(body.id)
        if earlier is not None:
            return self._repeated(earlier, digest, principal), False
        member = await self.repository.member(body.member_id, principal.scope_prefix)
        if member is None:
            raise ValidationFailed.field(
                ["body", "member_id"], f"No team member {body.member_id} in your area", "member_not_found"
            )
        if body.at.tzinfo is None:
            raise ValidationFailed.field(["body", "at"], "at needs its zone offset", "time_without_zone")
        day = body.at.astimezone(CHINA).date()
        if body.at > datetime.now(UTC) + CLOCK_SKEW:
            raise ValidationFailed.field(["body", "at"], f"at {body.at} is in the future", "date_in_future")
        if day < member.starts_on or (member.ends_on is not None and day > member.ends_on):
            raise ValidationFailed.field(
                ["body", "at"], f"{day} is outside the member's time on the team", "outside_membership"
            )
        point = await self.repository.village_point(member.village_code)
        if point is None and await self.repository.claim_village_point(
            {
                "village_code": member.village_code,
                "latitude": body.latitude,
                "longitude": body.longitude,
                "check_in_id": body.id,
            }
        ):
            distance = None
        else:
            point = point or await self.repository.village_point(member.village_code)
            assert point is not None
            distance = distance_m(point.latitude, point.longitude, body.latitude, body.longitude)
        values = {
            "id": body.id,
            "member_id": member.id,
            "village_code": member.village_code,
            "at": body.at,
            "day": day,
            "latitude": body.latitude,
            "longitude": body.longitude,
            "photo_ref": body.photo_ref,
            "distance_m": distance,
            "far": distance is not None and distance > far_m,
            "request_sha256": digest,
            "created_by": principal.id,
        }
        created = await self.repository.insert_check_in(values)
        stored = await self.repository.check_in(body.id)
        assert stored is not None
        if not created:
            return self._repeated(stored, digest, principal), False
        return stored, True

    @staticmethod
    def _repeated(earlier: CheckIn, digest: bytes, principal: Principal) -> CheckIn:
        if _same(earlier.request_sha256, digest, principal, earlier.village_code):
            return earlier
        raise Conflict(f"Check-in {earlier.id} exists with other details", code="check_in_id_in_use")

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
