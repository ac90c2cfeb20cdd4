"""SQL of inspections: bulk, idempotent inserts keyed by the phone's UUID."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, DateTime, all_, any_, bindparam, func, text, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.scope import in_scope
from services.common.sql_params import uuid_array
from services.monitoring.models import Inspection

INSERT_COLUMNS = {
    "id": "uuid",
    "household_id": "uuid",
    "area_code": "varchar",
    "inspector_id": "varchar",
    "inspector_name": "varchar",
    "cadre_id": "uuid",
    "visited_at": "timestamptz",
    "latitude": "float8",
    "longitude": "float8",
    "answers": "text",
    "content_sha256": "bytea",
    "findings": "text",
    "ruleset_version": "varchar",
    "threshold_id": "uuid",
}
# "answers" arrives as the whole item's JSON (the text its digest was taken of); the fields stored in
# columns of their own are stripped here rather than serialising each item a second time.
OWN_COLUMNS = "ARRAY['id', 'household_id', 'area_code', 'visited_at', 'location', 'cadre_id']"
_SELECTED = ", ".join(
    {"answers": f"answers::jsonb - {OWN_COLUMNS}", "findings": "findings::jsonb"}.get(c, c)
    for c in INSERT_COLUMNS
)
INSERT_SQL = (
    f"INSERT INTO monitoring.inspections ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608 - our own names
    f"SELECT {_SELECTED} FROM unnest("
    + ", ".join(f"CAST(:{c} AS {t}[])" for c, t in INSERT_COLUMNS.items())
    + f") AS t({', '.join(INSERT_COLUMNS)}) ON CONFLICT (id) DO NOTHING RETURNING id"
)


# The visit's China day (a fixed UTC+8, as services.common.calendar.CHINA).
MEMBERS_SQL = text(
    """
SELECT i.id, d.day, monitoring.registry_members_on(i.household_id, d.day) AS members
FROM monitoring.inspections AS i
CROSS JOIN LATERAL (SELECT timezone(INTERVAL '+08:00', i.visited_at)::date AS day) AS d
WHERE i.id = ANY(:ids)
"""
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))

# Each new visit's household's latest stored visit before it (ix_inspections_household), with what the
# sharp-drop rules compare: the answers keep income, household_size and large_expenses as sent.
PREVIOUS_SQL = text(
    """
SELECT t.id, p.visited_at, p.answers -> 'income' AS income, (p.answers ->> 'household_size')::int AS size,
       p.answers -> 'large_expenses' AS expenses
FROM unnest(:ids, :households, :times) AS t(id, household_id, visited_at)
CROSS JOIN LATERAL (
    SELECT i.visited_at, i.answers FROM monitoring.inspections AS i
    WHERE i.household_id = t.household_id AND i.visited_at < t.visited_at AND i.id <> t.id
    ORDER BY i.visited_at DESC LIMIT 1
) AS p
"""
).bindparams(
    bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("households", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("times", type_=ARRAY(DateTime(timezone=True))),
)


class InspectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the rows whose id is new (answers and findings as JSON text); the ids actually
        inserted. Rows go in id order so that concurrent retries of overlapping batches wait on each
        other instead of deadlocking. One statement over arrays: compiling a 500-row VALUES list cost
        more than running it."""
        if not rows:
            return set()
        ordered = sorted(rows, key=lambda r: r["id"])
        params = {column: [r[column] for r in ordered] for column in INSERT_COLUMNS}
        return set((await self.session.execute(text(INSERT_SQL), params)).scalars())

    async def hashes_and_villages(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[bytes, str]]:
        query = select(Inspection.id, Inspection.content_sha256, Inspection.area_code)
        rows = await self.session.execute(query.where(Inspection.id == any_(uuid_array(ids))))
        return {row.id: (row.content_sha256, row.area_code) for row in rows}

    async def latest_visits(
        self, household_ids: Sequence[uuid.UUID], excluding: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, datetime]:
        """The latest visit time per household among inspections other than ``excluding``."""
        rows = await self.session.execute(
            select(Inspection.household_id, func.max(Inspection.visited_at).label("latest"))
            .where(
                Inspection.household_id == any_(uuid_array(household_ids)),
                Inspection.id != all_(uuid_array(excluding)),
            )
            .group_by(col(Inspection.household_id))
        )
        return {row.household_id: row.latest for row in rows}

    async def previous_visits(
        self, visits: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
    ) -> dict[uuid.UUID, Any]:
        """For each (visit id, household id, visited at): the household's latest stored visit before it
        (its time, income answers, household size and large expenses), if it has one."""
        if not visits:
            return {}
        ids, households, times = (list(column) for column in zip(*visits, strict=True))
        rows = await self.session.execute(
            PREVIOUS_SQL, {"ids": ids, "households": households, "times": times}
        )
        return {row.id: row for row in rows}

    async def mark_superseded(self, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(
                update(Inspection)
                .where(col(Inspection.id) == any_(uuid_array(sorted(ids))))
                .values(superseded=True)
            )

    async def registry_members(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[date, int | None]]:
        """For each inspection: its China day and its household's members in the registry that day
        (monitoring's copy; None: not known yet)."""
        if not ids:
            return {}
        rows = await self.session.execute(MEMBERS_SQL, {"ids": list(ids)})
        return {row.id: (row.day, row.members) for row in rows}

    async def get(self, inspection_id: uuid.UUID, scope_prefix: str) -> Inspection | None:
        return (
            await self.session.execute(
                select(Inspection).where(
                    Inspection.id == inspection_id, in_scope(col(Inspection.area_code), scope_prefix)
                )
            )
        ).scalar_one_or_none()

    async def list(
        self,
        scope_prefix: str,
        *,
        household_id: uuid.UUID | None,
        within: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Inspection]:
        query = select(Inspection).where(in_scope(col(Inspection.area_code), scope_prefix))
        if household_id is not None:
            query = query.where(Inspection.household_id == household_id)
        if within:
            query = query.where(in_scope(col(Inspection.area_code), within))
        if after is not None:
            query = query.where(Inspection.id > after)
        return (await self.session.execute(query.order_by(col(Inspection.id)).limit(limit))).scalars().all()
