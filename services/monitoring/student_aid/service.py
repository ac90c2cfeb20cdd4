"""What student aid does besides taking records in: mark a record paid (a loan completed) or its notice
delivered, and count an area's year (covered share of the students owed aid, paid by kind, loans)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.concurrency import check_base_version
from services.common.errors import NotFound, ValidationFailed
from services.monitoring.student_aid.models import StudentAid
from services.monitoring.student_aid.repository import AidRepository
from services.monitoring.student_aid.schemas import (
    AidKind,
    AidRead,
    AidStats,
    AidUpdate,
    KindFigures,
    LoanFigures,
)


def aid_not_found(aid_id: uuid.UUID) -> NotFound:
    return NotFound(f"No student aid record {aid_id}", code="student_aid_not_found")


def snapshot(aid: StudentAid) -> dict[str, Any]:
    return AidRead.model_validate(aid).model_dump(mode="json")


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


class AidService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AidRepository(session)

    async def locked(self, aid_id: uuid.UUID, principal: Principal, base_version: int) -> StudentAid:
        aid = await self.repository.get(aid_id, principal.scope_prefix, lock=True)
        if aid is None:
            raise aid_not_found(aid_id)
        check_base_version(aid.version, base_version, lambda: snapshot(aid))
        return aid

    async def update(self, aid_id: uuid.UUID, body: AidUpdate, principal: Principal) -> StudentAid:
        aid = await self.locked(aid_id, principal, body.base_version)
        for name, value in body.model_dump(exclude={"base_version"}, exclude_unset=True).items():
            if value is not None and value > china_today():
                raise ValidationFailed.field(["body", name], f"{value} is in the future", "date_in_future")
            setattr(aid, name, value)
        aid.version += 1
        await self.session.flush()
        await self.session.refresh(aid)
        return aid

    async def stats(self, area: str, year: int, day: date) -> AidStats:
        prefix = prefix_of(area)
        students, paid, told = await self.repository.students(prefix, year, day, loans=False)
        loans, completed, _ = await self.repository.students(prefix, year, day, loans=True)
        kinds = {row[0]: row for row in await self.repository.by_kind(prefix, year, day)}
        return AidStats(
            area_code=area,
            school_year=year,
            as_of=day,
            students=students,
            students_paid=paid,
            covered_share_pct=_pct(paid, students),
            notices_delivered=told,
            by_kind=[
                KindFigures(
                    kind=k,
                    label=k.label,
                    students=kinds[k.value][1] if k.value in kinds else 0,
                    records=kinds[k.value][2] if k.value in kinds else 0,
                    owed_fen=kinds[k.value][3] if k.value in kinds else 0,
                    paid_fen=kinds[k.value][4] if k.value in kinds else 0,
                )
                for k in AidKind
            ],
            loans=LoanFigures(students=loans, completed=completed, completion_pct=_pct(completed, loans)),
        )
