"""SQL of screening rounds: the rounds a caller sees, the households each lists, and who was visited.

A household of a round counts as visited on a day when a visit (an inspection, by anyone) of it was
made within the window, up to that day. For a closed round only the visits that had arrived when it
closed (``received_before``) count: its list of the unvisited stays what its frozen figures say."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.monitoring.models import ScreeningRound, ScreeningRoundHousehold

CHUNK = 5000

STATUS_SQL = """
WITH listed AS MATERIALIZED (
    SELECT h.household_id, h.area_code FROM monitoring.screening_round_households AS h
    WHERE h.round_id = :round AND h.area_code LIKE :scope
),
judged AS MATERIALIZED (
    SELECT l.household_id, l.area_code, EXISTS (
        SELECT 1 FROM monitoring.inspections AS i
        WHERE i.household_id = l.household_id AND i.visited_at >= :window_start
          AND i.visited_at < :window_end
          AND (CAST(:received_before AS timestamptz) IS NULL OR i.received_at < :received_before)
    ) AS visited
    FROM listed AS l
),
paired AS (
    SELECT j.household_id, j.area_code, j.visited, p.cadre_id FROM judged AS j
    LEFT JOIN monitoring.pairings AS p ON p.household_id = j.household_id AND NOT p.household_deleted
     AND p.starts_on <= :day AND (p.ends_on IS NULL OR p.ends_on >= :day)
)
"""
# Per village and cadre (a household with two cadres counts for each; for its village once).
CELLS_SQL = f"""{STATUS_SQL}
SELECT 'village' AS kind, area_code, NULL::uuid AS cadre_id, count(*) AS due,
       count(*) FILTER (WHERE visited) AS visited
FROM judged GROUP BY area_code
UNION ALL
SELECT 'cadre', area_code, cadre_id, count(*), count(*) FILTER (WHERE visited)
FROM paired GROUP BY area_code, cadre_id
"""  # noqa: S608 - our own constants
UNVISITED_SQL = f"""{STATUS_SQL}
SELECT household_id, area_code, array_remove(array_agg(cadre_id ORDER BY cadre_id), NULL) AS cadre_ids
FROM paired WHERE NOT visited AND household_id > :after
GROUP BY household_id, area_code ORDER BY household_id LIMIT :limit
"""  # noqa: S608


@dataclass(frozen=True)
class Cell:
    kind: str  # village, or cadre (by village)
    area_code: str
    cadre_id: uuid.UUID | None
    due: int
    visited: int

    def to_json(self) -> dict[str, Any]:
        cadre = str(self.cadre_id) if self.cadre_id else None
        return {"kind": self.kind, "area_code": self.area_code, "cadre_id": cadre, "due": self.due,
                "visited": self.visited}  # fmt: skip

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Cell:
        cadre = uuid.UUID(value["cadre_id"]) if value["cadre_id"] else None
        return cls(value["kind"], value["area_code"], cadre, value["due"], value["visited"])


def ancestors(scope_prefix: str) -> list[str]:
    """The codes of the areas that hold the caller's (a county's round reaches its villages' phones)."""
    return [scope_prefix[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(scope_prefix)]


def visible(scope_prefix: str) -> Any:
    """A round in the caller's area, or one of an area that holds it."""
    return in_scope(col(ScreeningRound.area_code), scope_prefix) | col(ScreeningRound.area_code).in_(
        ancestors(scope_prefix)
    )


class RoundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, round_id: uuid.UUID, scope: str, *, lock: bool = False) -> ScreeningRound | None:
        query = select(ScreeningRound).where(ScreeningRound.id == round_id, visible(scope))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(self, round_id: uuid.UUID) -> ScreeningRound | None:
        """Wherever it is (only to tell a retry from a reused id)."""
        query = select(ScreeningRound).where(ScreeningRound.id == round_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(
        self, scope: str, state: str | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[ScreeningRound]:
        query = select(ScreeningRound).where(visible(scope))
        if state is not None:
            query = query.where(ScreeningRound.state == state)
        if after is not None:
            query = query.where(col(ScreeningRound.id) > after)
        return (
            (await self.session.execute(query.order_by(col(ScreeningRound.id)).limit(limit))).scalars().all()
        )

    async def add_households(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            await self.session.execute(insert(ScreeningRoundHousehold).values(rows[start : start + CHUNK]))

    def _params(self, round_: ScreeningRound, scope: str, day: date, window: tuple[datetime, datetime],
                received_before: datetime | None) -> dict[str, Any]:  # fmt: skip
        return {
            "round": round_.id,
            "scope": scope + "%",  # scope prefixes are digits only
            "day": day,
            "window_start": window[0],
            "window_end": window[1],
            "received_before": received_before,
        }

    async def cells(
        self,
        round_: ScreeningRound,
        scope: str,
        day: date,
        window: tuple[datetime, datetime],
        received_before: datetime | None,
    ) -> list[Cell]:
        params = self._params(round_, scope, day, window, received_before)
        rows = await self.session.execute(text(CELLS_SQL), params)
        return [Cell(r.kind, r.area_code, r.cadre_id, r.due, r.visited) for r in rows]

    async def unvisited(
        self,
        round_: ScreeningRound,
        scope: str,
        day: date,
        window: tuple[datetime, datetime],
        received_before: datetime | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Any]:
        params = self._params(round_, scope, day, window, received_before)
        params |= {"after": after or uuid.UUID(int=0), "limit": limit}
        return (await self.session.execute(text(UNVISITED_SQL), params)).all()
