"""Screening rounds (拉网式大排查, 篇1: "不定期对所有已脱贫户和一般农户开展全面摸排"): a county opens a round
for an area, a window and a kind of household; the households are listed from the registry when it
opens (the phones get them in their feed); visits within the window count; coverage per village and
cadre (visited / due) on a day and the unvisited list; closing freezes the figures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.common.auth import Principal
from services.common.calendar import CHINA, china_day_end, china_today
from services.common.concurrency import check_base_version
from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.common.ids import new_id
from services.common.retries import ExactCreate, request_digest
from services.common.scope import area_to_create_in
from services.monitoring.models import ScreeningRound
from services.monitoring.roster import Listed
from services.monitoring.rounds.repository import Cell, RoundRepository
from services.monitoring.rounds.schemas import (
    CATEGORIES,
    MAX_WINDOW_DAYS,
    CoverageRow,
    RoundClose,
    RoundCoverage,
    RoundOpen,
    RoundRead,
    Unvisited,
)

Roster = Callable[..., Awaitable[list[Listed]]]
# (cadre ids, village codes) -> (cadre names, village names), the registry's
Names = Callable[[list[uuid.UUID], list[str]], Awaitable[tuple[dict[uuid.UUID, str], dict[str, str]]]]


def not_found(round_id: uuid.UUID) -> NotFound:
    return NotFound(f"No screening round {round_id}", code="round_not_found")


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, CHINA)


class RoundService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.rounds = RoundRepository(session)

    async def open(
        self, data: RoundOpen, principal: Principal, roster: Roster
    ) -> tuple[ScreeningRound, bool]:
        area = area_to_create_in(data.area_code, principal)
        if data.ends_on < data.starts_on:
            raise ValidationFailed.field(
                ["body", "ends_on"], "The end is before the start", "ends_before_start"
            )
        if (data.ends_on - data.starts_on).days >= MAX_WINDOW_DAYS:
            raise ValidationFailed.field(
                ["body", "ends_on"], f"A round lasts at most {MAX_WINDOW_DAYS} days", "window_too_long"
            )
        once: ExactCreate[ScreeningRound] = ExactCreate(
            session=self.session,
            client_id=data.id,
            digest=request_digest(data),
            find=self.rounds.find,
            principal=principal,
            what="Screening round",
            code="round_id_in_use",
            missing="round_not_found",
        )

        async def make() -> tuple[ScreeningRound, bool]:
            # Two copies at once: the second's insert waits on the key and is answered by the first's.
            return await self._open(data, area, once.digest, principal, roster), True

        return await once.run(make)

    async def _open(
        self, data: RoundOpen, area: str, digest: bytes, principal: Principal, roster: Roster
    ) -> ScreeningRound:
        listed = await roster(
            within=prefix_of(area), on=data.starts_on, categories=CATEGORIES[data.households]
        )
        round_ = ScreeningRound(
            id=data.id or new_id(),
            name=data.name,
            area_code=area,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            households=data.households,
            due=len(listed),
            state="open",
            request_sha256=digest,
            opened_by=principal.id,
            version=1,
        )
        self.session.add(round_)
        await self.session.flush()
        await self.rounds.add_households(
            [
                {
                    "id": uuid.uuid5(round_.id, str(h.household_id)),
                    "round_id": round_.id,
                    "household_id": h.household_id,
                    "area_code": h.area_code,
                    "category": h.category,
                }
                for h in listed
            ]
        )
        await self.session.refresh(round_)
        return round_

    async def get(self, round_id: uuid.UUID, principal: Principal, *, lock: bool = False) -> ScreeningRound:
        round_ = await self.rounds.get(round_id, principal.scope_prefix, lock=lock)
        if round_ is None:
            raise not_found(round_id)
        return round_

    async def close(self, round_id: uuid.UUID, data: RoundClose, principal: Principal) -> ScreeningRound:
        round_ = await self.get(round_id, principal, lock=True)
        check_base_version(
            round_.version,
            data.base_version,
            lambda: RoundRead.model_validate(round_).model_dump(mode="json"),
        )
        if not principal.covers(round_.area_code):
            raise Forbidden(f"Round {round_id} is of an area above yours", code="outside_scope")
        if round_.state == "closed":
            raise Conflict(f"Round {round_id} is closed already", code="round_closed")
        now = datetime.now(CHINA)
        day = min(now.date(), round_.ends_on)
        cells = await self.rounds.cells(round_, "", day, self._window(round_, day), now)
        round_.state, round_.closed_by, round_.closed_at, round_.closed_as_of = (
            "closed",
            principal.id,
            now,
            day,
        )
        round_.frozen = {"cells": [c.to_json() for c in cells]}
        round_.version += 1
        await self.session.flush()
        await self.session.refresh(round_)
        return round_

    @staticmethod
    def _window(round_: ScreeningRound, day: date) -> tuple[datetime, datetime]:
        """Visits from the first day of the round to the end of its last day or of ``day``."""
        return _start(round_.starts_on), china_day_end(min(round_.ends_on, day))

    def _as_of(self, round_: ScreeningRound, as_of: date | None) -> tuple[date, datetime | None]:
        """The day the figures speak for, and (a closed round) the moment visits must have arrived by:
        an open round counts a visit by the day it was made, however late the phone sent it."""
        if round_.state == "closed" and round_.closed_as_of and round_.closed_at:
            return round_.closed_as_of, round_.closed_at
        return as_of or china_today(), None

    async def coverage(
        self, round_id: uuid.UUID, principal: Principal, as_of: date | None, names: Names
    ) -> RoundCoverage:
        round_ = await self.get(round_id, principal)
        day, received_before = self._as_of(round_, as_of)
        scope = principal.scope_prefix
        if round_.frozen is not None:
            cells = [Cell.from_json(c) for c in round_.frozen["cells"]]
            cells = [c for c in cells if c.area_code.startswith(scope)]
        else:
            cells = await self.rounds.cells(round_, scope, day, self._window(round_, day), received_before)
        villages = sorted((c for c in cells if c.kind == "village"), key=lambda c: c.area_code)
        by_cadre: dict[uuid.UUID | None, list[int]] = defaultdict(lambda: [0, 0])
        for c in cells:
            if c.kind == "cadre":
                by_cadre[c.cadre_id][0] += c.due
                by_cadre[c.cadre_id][1] += c.visited
        cadre_names, village_names = await names(
            sorted(k for k in by_cadre if k is not None), [c.area_code for c in villages]
        )
        cadres = sorted(by_cadre.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
        return RoundCoverage(
            round_id=round_.id,
            as_of=day,
            frozen=round_.frozen is not None,
            total=_row(None, None, sum(c.due for c in villages), sum(c.visited for c in villages)),
            by_village=[
                _row(c.area_code, village_names.get(c.area_code), c.due, c.visited) for c in villages
            ],
            by_cadre=[
                _row(str(k) if k else None, cadre_names.get(k) if k else None, due, visited)
                for k, (due, visited) in cadres
            ],
        )

    async def unvisited(
        self,
        round_id: uuid.UUID,
        principal: Principal,
        as_of: date | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> tuple[date, list[Unvisited]]:
        round_ = await self.get(round_id, principal)
        day, received_before = self._as_of(round_, as_of)
        window = self._window(round_, day)
        rows = await self.rounds.unvisited(
            round_, principal.scope_prefix, day, window, received_before, after, limit
        )
        return day, [Unvisited.model_validate(r, from_attributes=True) for r in rows]


def _row(key: str | None, name: str | None, due: int, visited: int) -> CoverageRow:
    return CoverageRow(
        key=key, name=name, due=due, visited=visited, share=round(visited / due, 4) if due else None
    )
