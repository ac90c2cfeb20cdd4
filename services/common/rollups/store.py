"""Reading the rollups, folding their rows, and checking them against a recount from the raw rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.common.area_codes import NATIONAL_ROOT
from services.common.rollups.ddl import CONTRIBUTIONS, TOTALS

Figures = dict[tuple[str, str], int]  # (measure, key) → count


def _below(area: str) -> str:
    """The rows of the areas directly below ``area`` (for the whole country: the provinces)."""
    return "parent_code IS NULL" if area == NATIONAL_ROOT else "parent_code = :area"


async def figures_of(session: AsyncSession | AsyncConnection, schema: str, area: str, day: date) -> Figures:
    """Every figure of one area as things stood on ``day`` (the whole country: its provinces' sum)."""
    where = _below(area) if area == NATIONAL_ROOT else "area_code = :area"
    rows = await session.execute(
        text(
            f"SELECT measure, key, sum(delta) AS n FROM {schema}.{TOTALS} "  # noqa: S608 - our own names
            f"WHERE {where} AND day <= :day GROUP BY measure, key"
        ),
        {"area": area, "day": day},
    )
    return {(r.measure, r.key): int(r.n) for r in rows if r.n}


async def figures_of_children(
    session: AsyncSession | AsyncConnection, schema: str, area: str, day: date
) -> dict[str, Figures]:
    """The same figures for each area one level below ``area`` that has any."""
    rows = await session.execute(
        text(
            f"SELECT area_code, measure, key, sum(delta) AS n FROM {schema}.{TOTALS} "  # noqa: S608 - our own names
            f"WHERE {_below(area)} AND day <= :day GROUP BY area_code, measure, key"
        ),
        {"area": area, "day": day},
    )
    children: dict[str, Figures] = defaultdict(dict)
    for r in rows:
        if r.n:
            children[r.area_code][(r.measure, r.key)] = int(r.n)
    return dict(sorted(children.items()))


COMPACT_SQL = """
WITH folded AS (
    SELECT area_code, parent_code, measure, key, day FROM {schema}.{totals}
    GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
), gone AS (
    DELETE FROM {schema}.{totals} AS t USING folded AS f
    WHERE t.area_code = f.area_code AND t.measure = f.measure AND t.key = f.key AND t.day = f.day
    RETURNING t.*
)
INSERT INTO {schema}.{totals} (area_code, parent_code, measure, key, day, delta)
SELECT area_code, parent_code, measure, key, day, sum(delta) FROM gone
GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
"""


async def compact(connection: AsyncConnection | AsyncSession, schema: str) -> int:
    """Fold the totals' rows of one area, figure and day into one; returns the rows removed.

    Rows that writers add meanwhile are not in this statement's snapshot, so they stay as they are.
    The caller holds the service's rollup lock so two compactions never fold the same rows twice.
    """
    count = text(f"SELECT count(*) FROM {schema}.{TOTALS}")  # noqa: S608 - our own names
    before = (await connection.execute(count)).scalar_one()
    await connection.execute(text(COMPACT_SQL.format(schema=schema, totals=TOTALS)))
    after = (await connection.execute(count)).scalar_one()
    return int(before - after)


RECOUNT_TEMPLATE = """
WITH recount AS (  -- summed per village first: far fewer rows to spread to every area above
    SELECT area_code, measure, key, day, sum(delta) AS delta
    FROM {deltas} AS d
    GROUP BY 1, 2, 3, 4
)
SELECT a.area_code, r.measure, r.key, r.day, sum(r.delta) AS delta
FROM recount AS r CROSS JOIN LATERAL {schema}.rollup_ancestors(r.area_code) AS a
GROUP BY 1, 2, 3, 4 HAVING sum(r.delta) <> 0
"""
RECOUNT_SQL = RECOUNT_TEMPLATE.replace(
    "{deltas}", "{schema}.rollup_deltas_of(ARRAY(SELECT {schema}.rollup_all_subjects()))"
)
# Subjects waiting for their refresh in the background count as they are stored until it comes.
RECOUNT_FRESH_SQL = RECOUNT_TEMPLATE.replace(
    "{deltas}",
    """(
        SELECT area_code, measure, key, day, delta FROM {schema}.rollup_deltas_of(ARRAY(
            SELECT s FROM {schema}.rollup_all_subjects() AS s
            WHERE NOT EXISTS (SELECT 1 FROM {schema}.rollup_stale AS t WHERE t.subject_id = s)))
        UNION ALL
        SELECT c.area_code, c.measure, c.key, c.day, c.delta FROM {schema}.rollup_contributions AS c
        WHERE c.subject_id IN (SELECT subject_id FROM {schema}.rollup_stale)
    )""",
)
TOTALS_SQL = """
SELECT area_code, measure, key, day, sum(delta) AS delta FROM {schema}.{totals}
GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0
"""


@dataclass(frozen=True)
class Difference:
    """A figure whose rollup does not equal the recount: the change on ``day`` in each."""

    schema: str
    area_code: str
    measure: str
    key: str
    day: date
    rollup: int
    recount: int


STALE_BATCH = 2000  # subjects per transaction in the background: each batch's locks are short


async def refresh_stale_batch(
    connection: AsyncConnection | AsyncSession, schema: str, batch: int = STALE_BATCH
) -> int:
    """Refresh up to ``batch`` subjects a write marked stale (in a schema with ``rollup_stale``); how
    many (0: none is waiting)."""
    refresh = text(f"SELECT {schema}.rollup_refresh_stale(:batch)")  # noqa: S608 - our own names
    return int(await connection.scalar(refresh, {"batch": batch}) or 0)


async def stale_count(connection: AsyncConnection | AsyncSession, schema: str) -> int:
    """Subjects a write marked stale, not refreshed yet (0 where the schema keeps no such list)."""
    if not await connection.scalar(
        text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.rollup_stale"}
    ):
        return 0
    return int(await connection.scalar(text(f"SELECT count(*) FROM {schema}.rollup_stale")) or 0)  # noqa: S608


async def verify(connection: AsyncConnection | AsyncSession, schema: str) -> list[Difference]:
    """Recount every subject from the raw rows and list where the rollups differ (empty: all equal).
    A subject waiting for its refresh in the background (``stale_count``) is taken as stored."""
    recount_sql = RECOUNT_FRESH_SQL if await stale_count(connection, schema) else RECOUNT_SQL
    recount = {
        (r.area_code, r.measure, r.key, r.day): int(r.delta)
        for r in await connection.execute(text(recount_sql.format(schema=schema)))
    }
    totals = {
        (r.area_code, r.measure, r.key, r.day): int(r.delta)
        for r in await connection.execute(text(TOTALS_SQL.format(schema=schema, totals=TOTALS)))
    }
    return [
        Difference(schema, *where, rollup=totals.get(where, 0), recount=recount.get(where, 0))
        for where in sorted(recount.keys() | totals.keys())
        if totals.get(where, 0) != recount.get(where, 0)
    ]


REBUILD_SQL = """
TRUNCATE {schema}.{contributions}, {schema}.{totals};
INSERT INTO {schema}.{contributions}
SELECT * FROM {schema}.rollup_deltas_of(ARRAY(SELECT {schema}.rollup_all_subjects()));
INSERT INTO {schema}.{totals} (area_code, parent_code, measure, key, day, delta)
SELECT a.area_code, a.parent_code, c.measure, c.key, c.day, sum(c.delta)
FROM (
    SELECT area_code, measure, key, day, sum(delta) AS delta FROM {schema}.{contributions}
    GROUP BY 1, 2, 3, 4
) AS c CROSS JOIN LATERAL {schema}.rollup_ancestors(c.area_code) AS a
GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.delta) <> 0
"""


def rebuild_statements(schema: str) -> list[str]:
    """Recount everything from the raw rows (the first fill, and the repair after ``verify``)."""
    script = REBUILD_SQL.format(schema=schema, contributions=CONTRIBUTIONS, totals=TOTALS)
    return [s.strip() for s in script.split(";") if s.strip()]


async def rebuild(connection: AsyncConnection | AsyncSession, schema: str) -> None:
    # Writers wait while the counts are rebuilt, so no write falls between the recount and the swap.
    await connection.execute(text(f"LOCK TABLE {schema}.{CONTRIBUTIONS} IN EXCLUSIVE MODE"))
    for statement in rebuild_statements(schema):
        await connection.execute(text(statement))
