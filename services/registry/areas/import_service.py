"""Loading the official division table: parents before children whatever the file's order, renames
recorded from a date, vanished codes reported (never deleted), the caller's scope applied per row.

A caller with a smaller area than the whole country may create the areas above its own (its county
cannot exist without its city and province), but never rename or reclassify them: those rows count as
outside its scope. Rows elsewhere are refused the same way, and what is missing is looked for only
inside the caller's own area.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import LEVEL_ORDER, level_of, prefix_of
from services.common.auth import Principal
from services.registry.areas.code_table import CodeTable, RowProblem, TableRow
from services.registry.areas.import_repository import AreaImportRepository
from services.registry.areas.repository import ancestor_codes
from services.registry.areas.schemas import (
    AreaImportProblem,
    AreaImportReport,
    AreaMissing,
    AreaRenamed,
)

LISTED = 1000  # rows shown per list; the counts are always complete
Progress = Callable[[int, int], None]  # rows done, rows in the file


class AreaImportService:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = AreaImportRepository(session)

    async def run(
        self,
        table: CodeTable,
        principal: Principal,
        effective_on: date,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> AreaImportReport:
        await self.repository.lock()
        report = AreaImportReport(
            effective_on=effective_on, dry_run=dry_run, rows=table.rows_read, created=0, renamed=0,
            reclassified=0, unchanged=0, missing=0, invalid=0, outside_scope=0, changed=False,
            problems=[_problem(p) for p in table.problems], renamed_areas=[], missing_areas=[],
        )  # fmt: skip
        done = len(table.problems)
        present: dict[str, set[str]] = defaultdict(set)
        for code in table.present:
            present[code[:2]].add(code)
        # Provinces are independent (a code's parents share its first two digits): one pass each.
        for province, rows in groupby(sorted(table.rows, key=lambda r: r.code), key=lambda r: r.code[:2]):
            chunk = list(rows)
            await self._province(province, chunk, present[province], table.refused, principal, report)
            done += len(chunk)
            if progress:
                progress(done, table.rows_read)
        report.invalid = len(report.problems)
        report.problems = sorted(report.problems, key=lambda p: p.line)[:LISTED]
        report.changed = bool(report.created or report.renamed or report.reclassified) and not dry_run
        return report

    async def _province(
        self,
        province: str,
        rows: list[TableRow],
        present: set[str],
        refused: dict[str, int],
        principal: Principal,
        report: AreaImportReport,
    ) -> None:
        above = set(ancestor_codes(principal.scope_prefix))
        taken = [r for r in rows if principal.covers(r.code) or r.code in above]
        report.outside_scope += len(rows) - len(taken)
        accepted, orphans = await self._with_parents(taken, refused)
        report.problems += orphans
        await self.repository.stage(accepted, above, _roots(present))
        await self.repository.classify(report.effective_on)
        if not report.dry_run:
            await self.repository.write(report.effective_on, principal.id)
        counts = await self.repository.counts()
        report.created += counts.get("created", 0)
        report.renamed += counts.get("renamed", 0)
        report.reclassified += counts.get("reclassified", 0)
        report.unchanged += counts.get("unchanged", 0)
        report.outside_scope += counts.get("outside_scope", 0)
        for row in await self.repository.staged("renamed", LISTED - len(report.renamed_areas)):
            report.renamed_areas.append(
                AreaRenamed(code=row.code, line=row.line, old_name=row.old_name or "", new_name=row.name)
            )
        for row in await self.repository.staged("older_than_current_name", LISTED):
            report.problems.append(
                AreaImportProblem(
                    line=row.line, area_code=row.code, code="older_than_current_name",
                    reason=f"{row.code} has been named {row.old_name} since {row.named_since}, after "
                    f"{report.effective_on}: give the table's own date (--effective-on / effective_on)",
                )
            )  # fmt: skip
        await self._missing(province, present, principal, report)

    async def _with_parents(
        self, rows: list[TableRow], refused: dict[str, int]
    ) -> tuple[list[TableRow], list[AreaImportProblem]]:
        """The rows whose parent is registered or accepted from the file (level by level, so a refused
        town refuses its villages), and a problem for each of the others."""
        in_file = refused | {r.code: r.line for r in rows}
        registered = await self.repository.existing({r.parent_code for r in rows if r.parent_code})
        accepted: dict[str, TableRow] = {}
        problems: list[AreaImportProblem] = []
        for row in sorted(rows, key=lambda r: (LEVEL_ORDER.index(r.level), r.code)):
            parent = row.parent_code
            if parent is None or parent in registered or parent in accepted:
                accepted[row.code] = row
            elif parent in in_file:
                reason = f"Its parent {parent} on line {in_file[parent]} was refused"
                problems.append(_orphan(row, reason))
            else:
                reason = f"Its parent {parent} is neither registered nor in the file"
                problems.append(_orphan(row, reason))
        return list(accepted.values()), problems

    async def _missing(
        self, province: str, present: set[str], principal: Principal, report: AreaImportReport
    ) -> None:
        scope = principal.scope_prefix
        if scope.startswith(province):
            prefix = scope
        elif province.startswith(scope):
            prefix = province
        else:
            return  # the caller's area is in another province: nothing here is its to miss
        # Only the levels the file goes down to: a table of counties does not make every town missing.
        deepest = max(LEVEL_ORDER.index(level_of(code)) for code in present)
        levels = [level.value for level in LEVEL_ORDER[: deepest + 1]]
        missing = await self.repository.missing(prefix, levels)
        report.missing += len(missing)
        room = LISTED - len(report.missing_areas)
        report.missing_areas += [
            AreaMissing(code=code, name=name, level=level) for code, name, level in missing[:room]
        ]


def _roots(codes: Iterable[str]) -> dict[str, bool]:
    """Each code, and whether no area above it is in the file (the tops of the file's coverage)."""
    present = set(codes)
    return {code: not any(above in present for above in ancestor_codes(prefix_of(code))) for code in present}


def _problem(problem: RowProblem) -> AreaImportProblem:
    return AreaImportProblem(
        line=problem.line, area_code=problem.area_code, code=problem.code, reason=problem.reason
    )


def _orphan(row: TableRow, reason: str) -> AreaImportProblem:
    return AreaImportProblem(line=row.line, area_code=row.code, code="unknown_parent", reason=reason)


def audit_changes(report: AreaImportReport, source: str) -> dict[str, list[object]]:
    """The import's one audit entry: what was loaded and the counts."""
    fields = ("created", "renamed", "reclassified", "unchanged", "missing", "invalid", "outside_scope")
    return {
        "file": [None, source],
        "effective_on": [None, report.effective_on.isoformat()],
        "dry_run": [None, report.dry_run],
        **{name: [None, getattr(report, name)] for name in fields},
    }
