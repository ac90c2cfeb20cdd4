"""Log a session (idempotent by the client's UUID) and count the sessions and 人次 of an area."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Principal
from services.common.errors import Conflict
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.oversight.service import request_digest
from services.oversight.sessions.models import Audience, SessionKind, StudySession
from services.oversight.sessions.repository import SessionRepository
from services.oversight.sessions.schemas import SessionCreate, SessionFigures, SessionKindFigures


async def log_session(
    session: AsyncSession, body: SessionCreate, principal: Principal
) -> tuple[StudySession, bool]:
    area_to_create_in(body.area_code, principal)
    repository = SessionRepository(session)
    session_id, digest = body.id or new_id(), request_digest(body)
    values = {
        "id": session_id,
        "area_code": body.area_code,
        "held_on": body.held_on,
        "kind": body.kind.value,
        "audience": body.audience.value,
        "title": body.title,
        "place": body.place,
        "attendance": len(body.attendees) if body.attendees is not None else body.attendance,
        "attendees": body.attendees,
        "request_sha256": digest,
        "created_by": principal.id,
    }
    created = await repository.insert(values)
    stored = await repository.anywhere(session_id)
    assert stored is not None
    if not created and not (stored.request_sha256 == digest and principal.covers(stored.area_code)):
        raise Conflict(f"Session {session_id} exists with other details", code="session_id_in_use")
    return stored, created


async def session_figures(
    session: AsyncSession, area: str, since: date, until: date
) -> tuple[SessionFigures, list[SessionKindFigures]]:
    totals = await SessionRepository(session).totals(prefix_of(area), since, until)

    def of(kind: SessionKind, audience: Audience) -> tuple[int, int]:
        return totals.get((kind.value, audience.value), (0, 0))

    by_kind = []
    for kind in SessionKind:
        cadres, villagers = of(kind, Audience.cadres), of(kind, Audience.villagers)
        by_kind.append(
            SessionKindFigures(
                kind=kind.value,
                label=kind.label,
                sessions=cadres[0] + villagers[0],
                attendance=cadres[1] + villagers[1],
                cadre_sessions=cadres[0],
                cadre_attendance=cadres[1],
                villager_sessions=villagers[0],
                villager_attendance=villagers[1],
            )
        )
    figures = SessionFigures(
        since=since,
        sessions=sum(k.sessions for k in by_kind),
        attendance=sum(k.attendance for k in by_kind),
        cadre_attendance=sum(k.cadre_attendance for k in by_kind),
        villager_attendance=sum(k.villager_attendance for k in by_kind),
    )
    return figures, by_kind
