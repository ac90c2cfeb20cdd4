"""Check-ins from phones (驻村考勤), offline batches or one at a time, through the common intake: each
item answered alone by the phone's UUID, a retry with the same body answered duplicate, another body
under the same id a conflict.

A far check-in is kept and flagged, never refused: a phone's GPS drifts, and the town judges. The
registry keeps no point for a village, so a village's first check-in sets it (that one has no
distance and is not far); later ones are measured from it.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.calendar import CHINA
from services.common.errors import Conflict, ValidationFailed
from services.common.intake import BatchIntake, Entry, Refuse, summary
from services.oversight.models import TeamMember
from services.oversight.repository import OversightRepository
from services.oversight.schemas import CheckInBatchResult, CheckInCreate, CheckInItemResult

EARTH_RADIUS_M = 6_371_000
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not a check-in from the future


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance (haversine), in whole metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


@dataclass(eq=False)
class _CheckIn(Entry):
    item: CheckInCreate
    member: TeamMember | None = None
    distance: int | None = None
    far: bool = False


class CheckInIntake(BatchIntake[_CheckIn, CheckInItemResult]):
    model = CheckInCreate
    result_model = CheckInItemResult
    entry_type = _CheckIn
    invalid_detail = "Item {index} is not a valid check-in"

    def __init__(self, session: AsyncSession, far_m: int) -> None:
        self.repository = OversightRepository(session)
        self.far_m = far_m

    async def take(
        self, raw_items: list[dict[str, Any]] | list[CheckInCreate], principal: Any
    ) -> CheckInBatchResult:
        items = await self.answer_items(raw_items, principal)
        return CheckInBatchResult(**summary(items), items=items)

    def check(self, item: CheckInCreate, loc: list[str | int]) -> None:
        if item.at.tzinfo is None:
            raise ValidationFailed.field([*loc, "at"], "at needs its zone offset", "time_without_zone")
        if item.at - datetime.now(UTC) > CLOCK_SKEW:
            raise ValidationFailed.field(
                [*loc, "at"], f"at {item.at} is in the future: check the phone's clock", "date_in_future"
            )

    def digest(self, entry: _CheckIn) -> bytes:
        return hashlib.sha256(entry.item.model_dump_json().encode()).digest()

    def conflict(self, key: uuid.UUID) -> Conflict:
        return Conflict(
            f"Check-in {key} was already received with other details; a new check-in needs a new id",
            code="check_in_id_in_use",
        )

    async def stored(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """The stored digests; one stored outside the caller's area is never "the same" (a conflict)."""
        found = await self.repository.check_in_digests(keys)
        return {
            k: (digest or b"") if self.principal.covers(village) else b""
            for k, (digest, village) in found.items()
        }

    async def admit(self, entries: list[_CheckIn], refuse: Refuse) -> None:
        members = await self.repository.members(
            list({e.item.member_id for e in entries}), self.principal.scope_prefix
        )
        for entry in entries:
            member = members.get(entry.item.member_id)
            if member is None:
                refuse(
                    entry,
                    _field(
                        entry,
                        "member_id",
                        f"No team member {entry.item.member_id} in your area",
                        "member_not_found",
                    ),
                )
                continue
            day = entry.item.at.astimezone(CHINA).date()
            if day < member.starts_on or (member.ends_on is not None and day > member.ends_on):
                refuse(
                    entry,
                    _field(
                        entry, "at", f"{day} is outside the member's time on the team", "outside_membership"
                    ),
                )
                continue
            entry.member = member
            await self._measure(entry, member)

    async def _measure(self, entry: _CheckIn, member: TeamMember) -> None:
        point = await self.repository.village_point(member.village_code)
        if point is None:
            claim = {
                "village_code": member.village_code,
                "latitude": entry.item.latitude,
                "longitude": entry.item.longitude,
                "check_in_id": entry.item.id,
            }
            if await self.repository.claim_village_point(claim):
                return  # this check-in sets the village's point
            point = await self.repository.village_point(member.village_code)
            assert point is not None
        entry.distance = distance_m(
            point.latitude, point.longitude, entry.item.latitude, entry.item.longitude
        )
        entry.far = entry.distance > self.far_m

    async def insert(self, entries: list[_CheckIn]) -> set[uuid.UUID]:
        rows = []
        for e in entries:
            assert e.member is not None
            rows.append(
                {
                    "id": e.item.id,
                    "member_id": e.member.id,
                    "village_code": e.member.village_code,
                    "at": e.item.at,
                    "day": e.item.at.astimezone(CHINA).date(),
                    "latitude": e.item.latitude,
                    "longitude": e.item.longitude,
                    "photo_ref": e.item.photo_ref,
                    "distance_m": e.distance,
                    "far": e.far,
                    "request_sha256": e.digest,
                    "created_by": self.principal.id,
                }
            )
        return await self.repository.insert_check_ins(rows)

    def created_fields(self, entry: _CheckIn) -> dict[str, Any]:
        assert entry.member is not None
        return {"village_code": entry.member.village_code, "distance_m": entry.distance, "far": entry.far}


def _field(entry: _CheckIn, name: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field([*entry.loc, name], message, code)
