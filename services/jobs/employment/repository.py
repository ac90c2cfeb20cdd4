"""SQL of employment records: idempotent bulk inserts, histories, and the status in force on a date.

Every read applies the caller's scope to the area code each row carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, case, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common.columns import table_of
from services.common.scope import in_scope
from services.jobs.employment.models import EmploymentRecord

R = EmploymentRecord
INSERT_COLUMNS = {
    "id": "uuid",
    "person_id": "uuid",
    "household_id": "uuid",
    "area_code": "varchar",
    "household_category": "varchar",
    "monitoring_type": "varchar",
    "status": "varchar",
    "place_code": "varchar",
    "place_name": "varchar",
    "employer": "varchar",
    "industry": "varchar",
    "started_on": "date",
    "ended_on": "date",
    "monthly_income": "numeric",
    "source": "varchar",
    "reported_on": "date",
    "job_intention": "varchar",
    "training_wanted": "varchar",
    "note": "varchar",
    "content_sha256": "bytea",
    "recorded_by": "varchar",
    "recorded_by_name": "varchar",
}
_NAMES = ", ".join(INSERT_COLUMNS)
# Arrival order (seq) is drawn in the batch's order, so the later of two same-day items about a person
# is the later record; the rows then go in in id order, so that concurrent retries of overlapping
# batches wait on each other instead of deadlocking. One statement over arrays, as for inspections.
INSERT_SQL = (
    "WITH items AS MATERIALIZED ("  # noqa: S608 - our own names
    f"SELECT {_NAMES}, nextval('jobs.employment_record_seq') AS seq FROM unnest("
    + ", ".join(f"CAST(:{c} AS {t}[])" for c, t in INSERT_COLUMNS.items())
    + f") WITH ORDINALITY AS t({_NAMES}, position) ORDER BY position) "  # noqa: S608 - our own names
    f"INSERT INTO jobs.employment_records ({_NAMES}, seq) "
    f"SELECT {_NAMES}, seq FROM items ORDER BY id ON CONFLICT (id) DO NOTHING RETURNING id"
)


class EmploymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the rows (in the batch's order) whose id is new; the ids actually inserted."""
        if not rows:
            return set()
        params = {column: [r[column] for r in rows] for column in INSERT_COLUMNS}
        return set((await self.session.execute(text(INSERT_SQL), params)).scalars())

    async def hashes(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        if not ids:
            return {}
        rows = await self.session.execute(select(col(R.id), col(R.content_sha256)).where(col(R.id).in_(ids)))
        return {row.id: row.content_sha256 for row in rows}

    async def hashes_in_scope(self, ids: Sequence[uuid.UUID], scope_prefix: str) -> dict[uuid.UUID, bytes]:
        """The digests of these records where they lie in the caller's scope."""
        query = select(col(R.id), col(R.content_sha256)).where(
            col(R.id).in_(ids), in_scope(col(R.area_code), scope_prefix)
        )
        return {row.id: row.content_sha256 for row in await self.session.execute(query)}

    async def histories(self, person_ids: Sequence[uuid.UUID]) -> Sequence[Row]:
        """Every record of these people, each person's in order (what the events are decided from)."""
        query = (
            select(
                col(R.id),
                col(R.person_id),
                col(R.status),
                col(R.reported_on),
                col(R.started_on),
                col(R.ended_on),
                col(R.monthly_income),
            )
            .where(col(R.person_id).in_(sorted(set(person_ids))))
            .order_by(col(R.person_id), col(R.reported_on), col(R.seq))
        )
        return (await self.session.execute(query)).all()

    async def list(
        self,
        scope_prefix: str,
        *,
        person_id: uuid.UUID | None = None,
        household_id: uuid.UUID | None = None,
        within: str | None = None,
        status: str | None = None,
        as_of: date | None = None,
        after: tuple[date, int] | None = None,
        limit: int,
    ) -> Sequence[Any]:
        """Records in order of ``reported_on`` (then arrival); with ``as_of``, only each person's
        record in force on that date."""
        source = (
            in_force(scope_prefix, as_of, within, person_id=person_id, household_id=household_id)
            if as_of is not None
            else _records(scope_prefix, within, person_id=person_id, household_id=household_id)
        )
        columns = source.c
        query = select(source)
        if status is not None:
            query = query.where(columns.status == status)
        if after is not None:
            query = query.where(tuple_(columns.reported_on, columns.seq) > tuple_(*after))
        query = query.order_by(columns.reported_on, columns.seq).limit(limit)
        return (await self.session.execute(query)).all()


def _filters(
    table: Any,
    scope_prefix: str,
    within: str | None,
    person_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
) -> list[Any]:
    filters = [in_scope(table.area_code, scope_prefix)]
    if within:
        filters.append(in_scope(table.area_code, within))
    if person_id is not None:
        filters.append(table.person_id == person_id)
    if household_id is not None:
        filters.append(table.household_id == household_id)
    return filters


def _records(scope_prefix: str, within: str | None, **ids: uuid.UUID | None) -> Any:
    table = table_of(R)
    return table.select().where(*_filters(table.c, scope_prefix, within, **ids)).subquery("records")


def in_force(
    scope_prefix: str,
    day: date,
    within: str | None = None,
    *,
    person_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
) -> Any:
    """Each person's record in force on ``day``, for the people whose record then lies in the scope
    (and ``within``). A person's latest record decides where they are counted: someone whose household
    moved away, and who was recorded there, no longer counts here."""
    table = table_of(R).c
    ids = {"person_id": person_id, "household_id": household_id}
    candidates = select(col(R.person_id)).where(
        *_filters(table, scope_prefix, within, **ids), col(R.reported_on) <= day
    )
    latest = (
        table_of(R)
        .select()
        .where(col(R.person_id).in_(candidates), col(R.reported_on) <= day)
        .ext(distinct_on(col(R.person_id)))
        .order_by(col(R.person_id), col(R.reported_on).desc(), col(R.seq).desc())
        .subquery("in_force")
    )
    # Where the latest record lies decides (a household may have moved since its older records).
    filters = _filters(latest.c, scope_prefix, within, household_id=household_id)
    return select(latest).where(*filters).subquery("current")


def ledger_query(scope_prefix: str, within: str | None, as_of: date | None) -> Select:
    """The rows of a ledger export, by village and person (with ``as_of``: one row per person)."""
    if as_of is not None:
        source = in_force(scope_prefix, as_of, within)
        return select(source).order_by(source.c.area_code, source.c.person_id)
    source = _records(scope_prefix, within)
    return select(source).order_by(source.c.area_code, source.c.person_id, source.c.reported_on, source.c.seq)


async def ledger_codes(
    session: AsyncSession, scope_prefix: str, within: str | None, as_of: date | None
) -> tuple[list[str], list[str]]:
    """The village codes and the place codes a ledger's rows hold (their names are asked for before
    the file streams)."""
    rows = ledger_query(scope_prefix, within, as_of).order_by(None).subquery("ledger")
    query = select(
        func.array_agg(rows.c.area_code.distinct()),
        func.array_agg(rows.c.place_code.distinct()).filter(rows.c.place_code.is_not(None)),
    )
    villages, places = (await session.execute(query)).one()
    return list(villages or ()), list(places or ())


def _destination(source: Any) -> Any:
    """Province of a place code (e.g. 420000000000), else the place in words, else null."""
    return func.coalesce(
        func.rpad(func.left(source.c.place_code, 2), 12, "0"),
        source.c.place_name,
    )


async def recount_status_counts(
    session: AsyncSession, scope_prefix: str, within: str, day: date, child_digits: int
) -> Sequence[Row]:
    """People by (child area, status, household category, destination) as of ``day``, counted from the
    raw records: the reference recount the rollups must equal (``employment.recount``; tests and checks
    only: the statistics read the rollups)."""
    source = in_force(scope_prefix, day, within)
    keys = (
        func.left(source.c.area_code, child_digits).label("child"),
        source.c.status,
        source.c.household_category,
        case(
            (
                source.c.household_category == "monitored",
                func.coalesce(source.c.monitoring_type, "monitored"),
            ),
            else_=source.c.household_category,
        ).label("kind"),
        _destination(source).label("destination"),
    )
    query = select(*keys, func.count().label("people")).group_by(*keys)
    return (await session.execute(query)).all()
