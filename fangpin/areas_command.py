"""`fangpin areas import FILE`: load the official division table (统计用区划代码) as the operator."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from fangpin.local import LocalRuntime
from fangpin.parts import PARTS
from services.common.area_codes import NATIONAL_ROOT
from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.audit.trail import AuditTrail, Outcome
from services.common.auth import Principal, PrincipalKind, Role
from services.common.calendar import china_today
from services.common.database import create_engine
from services.common.settings import RuntimeSettings
from services.registry.areas.code_table import CodeTable, TableFileError, read_table
from services.registry.areas.import_service import AreaImportService, audit_changes
from services.registry.areas.schemas import AreaImportReport

SHOWN = 20  # problems, renames and missing areas printed of each


def add_parser(commands: argparse._SubParsersAction) -> None:
    areas = commands.add_parser("areas", help="administrative divisions (行政区划)")
    actions = areas.add_subparsers(dest="areas_command", required=True, metavar="AREAS_COMMAND")
    load = actions.add_parser(
        "import",
        help="load the official division table (统计用区划代码): a CSV of code, name, urban-rural class",
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--effective-on",
        type=date.fromisoformat,
        metavar="DATE",
        help="the day new names are in use from, e.g. the table's date 2023-06-30 (default: today)",
    )
    load.add_argument("--dry-run", action="store_true", help="compare and report, write nothing")
    load.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    if not args.file.is_file():
        print(f"fangpin: no file {args.file}", file=sys.stderr)
        return 2
    try:
        table = read_table(args.file.read_bytes())
    except TableFileError as exc:
        print(f"fangpin: {args.file}: {exc}", file=sys.stderr)
        return 2
    local = LocalRuntime(runtime)
    try:
        url = local.settings_for(PARTS["registry"]).database_url
        assert url is not None  # settings_for sets it for a part with a schema
        report = asyncio.run(_import(url, table, args))
    finally:
        local.close()
    _summary(report)
    return 0 if report.invalid == 0 else 1


async def _import(url: str, table: CodeTable, args: argparse.Namespace) -> AreaImportReport:
    # The whole country's table is one transaction: longer than a request may take.
    engine = create_engine(url, part="registry-cli", pool_size=1, max_overflow=0, statement_timeout_ms=0)
    operator = Principal(
        "cli", "fangpin areas import", PrincipalKind.system, Role.county_admin, NATIONAL_ROOT
    )
    started = time.monotonic()
    terminal = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        line = f"fangpin areas import: {done:,}/{total:,} rows ({done / total:.0%}), {elapsed:.1f} s"
        print(f"\r{line}" if terminal else line, end="" if terminal else "\n", file=sys.stderr, flush=True)

    try:
        if not await PARTS["registry"].migrations.at_head(engine):
            raise SystemExit(
                "fangpin: the registry's schema is not at the latest version; run `fangpin migrate`"
            )
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            report = await AreaImportService(session).run(
                table, operator, args.effective_on or china_today(), dry_run=args.dry_run, progress=progress
            )
            # One audit entry, in the import's own transaction.
            trail = AuditTrail(
                method="CLI", route="fangpin areas import", request_id=None, address="local", client="fangpin"
            )
            trail.principal = operator
            changes = audit_changes(report, args.file.name)
            trail.record(
                "area.import", "area_import", args.file.name, area_code=NATIONAL_ROOT, changes=changes
            )
            store = AuditStore(audit_table(PARTS["registry"].migrations.schema), chain="registry")
            await store.append(session, trail, Outcome.success, status=None)
        if terminal:
            print(file=sys.stderr)
        print(f"fangpin areas import: done in {time.monotonic() - started:.1f} s", file=sys.stderr)
        return report
    finally:
        await engine.dispose()


def _summary(report: AreaImportReport) -> None:
    what = "compared (dry run, nothing written)" if report.dry_run else "imported"
    print(
        f"fangpin: {report.rows:,} rows {what}, names from {report.effective_on}: "
        f"{report.created:,} created, {report.renamed:,} renamed, {report.reclassified:,} reclassified, "
        f"{report.unchanged:,} unchanged, {report.missing:,} missing, {report.invalid:,} invalid"
        + ("" if report.changed or report.dry_run else " (nothing changed)"),
        file=sys.stderr,
    )
    for item in report.renamed_areas[:SHOWN]:
        print(f"  renamed {item.code}: {item.old_name} → {item.new_name}", file=sys.stderr)
    for area in report.missing_areas[:SHOWN]:
        print(
            f"  missing {area.code} {area.name} ({area.level}): registered, not in the file", file=sys.stderr
        )
    for problem in report.problems[:SHOWN]:
        print(
            f"  line {problem.line}, {problem.area_code}: {problem.reason} [{problem.code}]", file=sys.stderr
        )
    hidden = max(report.renamed - SHOWN, 0) + max(report.missing - SHOWN, 0) + max(report.invalid - SHOWN, 0)
    if hidden:
        print(f"  … and {hidden:,} more lines (the API's report lists up to 1,000 of each)", file=sys.stderr)
