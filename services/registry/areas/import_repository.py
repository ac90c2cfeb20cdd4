"""SQL of the division-table import: rows are staged in a temporary table in one statement, then
compared with and written into ``registry.areas`` set by set, never row by row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.areas.code_table import TableRow

# One import at a time: two at once would each count the other's new areas as their own.
LOCK = "SELECT pg_advisory_xact_lock(hashtext('registry:area-import'))"

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS area_import (
    code varchar(12) PRIMARY KEY,
    name varchar(100) NOT NULL,
    level varchar(16) NOT NULL,
    parent_code varchar(12),
    urban_rural_class varchar(3),
    line integer NOT NULL,
    ancestor boolean NOT NULL,  -- above the caller's own area: may be created, never changed
    outcome text NOT NULL DEFAULT 'created',
    old_name text,
    named_since date
) ON COMMIT DROP
"""
PRESENT = """
CREATE TEMP TABLE IF NOT EXISTS area_import_present (
    code varchar(12) PRIMARY KEY,
    root boolean NOT NULL  -- no area above it is in the file: its subtree is what the file covers
) ON COMMIT DROP
"""
STAGE = """
INSERT INTO area_import (code, name, level, parent_code, urban_rural_class, line, ancestor)
SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:levels AS text[]),
    CAST(:parents AS text[]), CAST(:classes AS text[]), CAST(:lines AS int[]), CAST(:ancestors AS bool[]))
"""
STAGE_PRESENT = """
INSERT INTO area_import_present SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:roots AS bool[]))
"""
# An absent class in the file means "not given", never "remove it".
CLASSIFY = """
UPDATE area_import s SET old_name = a.name, named_since = n.since, outcome = CASE
    WHEN s.name = a.name AND coalesce(s.urban_rural_class, a.urban_rural_class) IS NOT DISTINCT FROM
        a.urban_rural_class THEN 'unchanged'
    WHEN s.ancestor THEN 'outside_scope'
    WHEN s.name <> a.name AND n.since > :effective_on THEN 'older_than_current_name'
    WHEN s.name <> a.name THEN 'renamed'
    ELSE 'reclassified' END
FROM registry.areas a
LEFT JOIN LATERAL (SELECT max(valid_from) AS since FROM registry.area_names WHERE code = a.code) n ON true
WHERE a.code = s.code
"""
# One statement: PostgreSQL checks the parent foreign key at its end, so file order does not matter.
INSERT_AREAS = """
INSERT INTO registry.areas (code, name, level, parent_code, urban_rural_class)
SELECT code, name, level, parent_code, urban_rural_class FROM area_import WHERE outcome = 'created'
ORDER BY code
ON CONFLICT (code) DO NOTHING
"""
# A name the history lacks (an area made before it was kept) is recorded undated before it is replaced.
KEEP_OLD_NAMES = """
INSERT INTO registry.area_names (code, name, recorded_by)
SELECT s.code, s.old_name, :actor FROM area_import s
WHERE s.outcome = 'renamed' AND NOT EXISTS (SELECT 1 FROM registry.area_names n WHERE n.code = s.code)
"""
RECORD_NAMES = """
INSERT INTO registry.area_names (code, name, valid_from, recorded_by)
SELECT code, name, :effective_on, :actor FROM area_import WHERE outcome IN ('created', 'renamed')
ON CONFLICT (code, valid_from) WHERE valid_from IS NOT NULL
DO UPDATE SET name = excluded.name, recorded_at = now(), recorded_by = excluded.recorded_by
"""
UPDATE_AREAS = """
UPDATE registry.areas a
SET name = s.name, urban_rural_class = coalesce(s.urban_rural_class, a.urban_rural_class), updated_at = now()
FROM area_import s WHERE a.code = s.code AND s.outcome IN ('renamed', 'reclassified')
"""
# Registered, inside the caller's area and the file's coverage, and not in the file. Merged-away
# villages are left out: the table drops them by design.
MISSING = """
SELECT a.code, a.name, a.level FROM registry.areas a
WHERE a.code LIKE :pattern AND a.merged_into_code IS NULL AND a.level = ANY(CAST(:levels AS text[]))
  AND NOT EXISTS (SELECT 1 FROM area_import_present p WHERE p.code = a.code)
  AND EXISTS (SELECT 1 FROM area_import_present r WHERE r.root AND r.code IN (
      rpad(left(a.code, 2), 12, '0'), rpad(left(a.code, 4), 12, '0'),
      rpad(left(a.code, 6), 12, '0'), rpad(left(a.code, 9), 12, '0')))
ORDER BY a.code
"""


@dataclass(frozen=True)
class StagedRow:
    line: int
    code: str
    name: str
    old_name: str | None
    named_since: date | None


class AreaImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self) -> None:
        await self.session.execute(text(LOCK))

    async def existing(self, codes: set[str]) -> set[str]:
        if not codes:
            return set()
        rows = await self.session.execute(
            text("SELECT code FROM registry.areas WHERE code = ANY(CAST(:codes AS text[]))"),
            {"codes": sorted(codes)},
        )
        return set(rows.scalars())

    async def stage(self, rows: Sequence[TableRow], ancestors: set[str], present: dict[str, bool]) -> None:
        """The rows to write, and every code the file names (with whether it tops the file's coverage)."""
        for statement in (STAGING, PRESENT, "TRUNCATE area_import, area_import_present"):
            await self.session.execute(text(statement))
        await self.session.execute(
            text(STAGE),
            {
                "codes": [r.code for r in rows],
                "names": [r.name for r in rows],
                "levels": [r.level.value for r in rows],
                "parents": [r.parent_code for r in rows],
                "classes": [r.urban_rural_class for r in rows],
                "lines": [r.line for r in rows],
                "ancestors": [r.code in ancestors for r in rows],
            },
        )
        await self.session.execute(
            text(STAGE_PRESENT), {"codes": list(present), "roots": list(present.values())}
        )
        # Temporary tables have no statistics until analysed; without them the joins are planned blind.
        await self.session.execute(text("ANALYZE area_import, area_import_present"))

    async def classify(self, effective_on: date) -> None:
        await self.session.execute(text(CLASSIFY), {"effective_on": effective_on})

    async def write(self, effective_on: date, actor: str) -> None:
        await self.session.execute(text(INSERT_AREAS))
        await self.session.execute(text(KEEP_OLD_NAMES), {"actor": actor})
        await self.session.execute(text(RECORD_NAMES), {"effective_on": effective_on, "actor": actor})
        await self.session.execute(text(UPDATE_AREAS))

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(text("SELECT outcome, count(*) FROM area_import GROUP BY outcome"))
        return {outcome: count for outcome, count in rows}

    async def staged(self, outcome: str, limit: int) -> list[StagedRow]:
        rows = await self.session.execute(
            text(
                "SELECT line, code, name, old_name, named_since FROM area_import "
                "WHERE outcome = :outcome ORDER BY line LIMIT :limit"
            ),
            {"outcome": outcome, "limit": limit},
        )
        return [StagedRow(*row) for row in rows]

    async def missing(self, prefix: str, levels: list[str]) -> list[tuple[str, str, str]]:
        rows = await self.session.execute(text(MISSING), {"pattern": prefix + "%", "levels": levels})
        return [tuple(row) for row in rows]
