"""`fangpin import FILE`: bulk import at the command line, with a progress line, as the operator."""

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
from services.common.area_codes import is_valid_scope, prefix_of
from services.common.audit.store import AuditStore
from services.common.audit.table import audit_table
from services.common.audit.trail import AuditTrail, Outcome
from services.common.auth import Principal, PrincipalKind, Role
from services.common.calendar import china_today
from services.common.database import create_engine, raw_connection
from services.common.settings import RuntimeSettings
from services.registry.imports.service import WRITERS, ImportFileError, ImportReport, run_import
from services.registry.national_id import IdVault


def add_parser(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "import", help="import households and people from a CSV or XLSX file (one row per person)"
    )
    command.add_argument("file", type=Path)
    command.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    command.add_argument("--area", default="000000000000", help="only rows inside this area (default: all)")
    command.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file's extension")
    command.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="the date the file describes (default: today): a programme it says a person no longer has "
        "ends the day before",
    )
    command.add_argument("--errors", type=int, default=20, help="refused rows to print (default 20)")
    command.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    if not args.file.is_file():
        print(f"fangpin: no file {args.file}", file=sys.stderr)
        return 2
    if args.as_of is not None and args.as_of > china_today():
        print(f"fangpin: --as-of {args.as_of} is after today", file=sys.stderr)
        return 2
    if not is_valid_scope(args.area):
        print(f"fangpin: {args.area} is not a 12-digit area code", file=sys.stderr)
        return 2
    local = LocalRuntime(runtime)
    try:
        report = asyncio.run(_import(local.settings_for(PARTS["registry"]), args))
    except ImportFileError as exc:
        print(f"\nfangpin: {exc}", file=sys.stderr)
        return 2
    finally:
        local.close()
    _summary(report, args)
    return 0 if report.rows_bad == 0 else 1


async def _import(settings, args: argparse.Namespace) -> ImportReport:  # noqa: ANN001
    if not settings.national_id_key:
        raise SystemExit("fangpin: set FANGPIN_REGISTRY_NATIONAL_ID_KEY (the registry's key) to import")
    engine = create_engine(settings.database_url, part="registry-cli", pool_size=WRITERS, max_overflow=0)
    operator = Principal("cli", "fangpin import", PrincipalKind.system, Role.county_admin, args.area)
    started = time.monotonic()

    def progress(report: ImportReport) -> None:
        rate = report.rows_done / max(time.monotonic() - started, 1e-6)
        share = report.rows_done / report.rows_total if report.rows_total else 0
        line = f"\rfangpin import: {report.rows_done:,}/{report.rows_total:,} rows ({share:.0%})"
        print(f"{line}, {rate:,.0f} rows/s, {report.rows_bad:,} refused", end="", flush=True, file=sys.stderr)

    try:
        if not await PARTS["registry"].migrations.at_head(engine):
            raise SystemExit(
                "fangpin: the registry's schema is not at the latest version; run `fangpin migrate`"
            )
        async with raw_connection(engine) as conn:
            report = await run_import(
                conn,
                args.file,
                vault=IdVault.from_setting(settings.national_id_key),
                scope_prefix=prefix_of(args.area),
                actor="system:cli",
                actor_name="fangpin import",
                fmt=args.format,
                dry_run=args.dry_run,
                as_of=args.as_of,
                progress=progress,
                more_connections=lambda: raw_connection(engine),
            )
        print(file=sys.stderr)
        await _audit(engine, operator, args, report)
        return report
    finally:
        await engine.dispose()


async def _audit(engine, operator: Principal, args: argparse.Namespace, report: ImportReport) -> None:  # noqa: ANN001
    trail = AuditTrail(
        method="CLI", route="fangpin import", request_id=None, address="local", client="fangpin"
    )
    trail.principal = operator
    changes = {
        "file": [None, args.file.name],
        "dry_run": [None, args.dry_run],
        "as_of": [None, str(args.as_of or china_today())],
        "rows_ok": [None, report.rows_ok],
        "rows_bad": [None, report.rows_bad],
    }
    trail.record("import.run", "import_file", args.file.name, area_code=args.area, changes=changes)
    store = AuditStore(audit_table(PARTS["registry"].migrations.schema), chain="registry")
    async with async_sessionmaker(engine)() as session, session.begin():
        await store.append(session, trail, Outcome.success, status=None)


def _summary(report: ImportReport, args: argparse.Namespace) -> None:
    what = "checked (dry run, nothing written)" if args.dry_run else "imported"
    print(
        f"fangpin: {report.rows_ok:,} rows {what}, {report.rows_bad:,} refused; households "
        f"{report.households_created:,} new, {report.households_changed:,} changed; people "
        f"{report.people_created:,} new, {report.people_changed:,} changed; programme periods "
        f"{report.periods_started:,} started, {report.periods_ended:,} ended, {report.periods_moved:,} moved",
        file=sys.stderr,
    )
    for error in report.errors[: args.errors]:
        print(f"  row {error['row']}, {error['column']}: {error['reason']}", file=sys.stderr)
    if report.rows_bad > args.errors:
        print(f"  … and {report.rows_bad - args.errors:,} more (--errors N shows more)", file=sys.stderr)
