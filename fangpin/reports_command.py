"""`fangpin reports verify`: recount every rollup from the raw rows and report any difference."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from fangpin.local import LocalRuntime
from fangpin.parts import PARTS
from services.common.database import create_engine
from services.common.rollups.store import Difference, rebuild, stale_count, verify
from services.common.settings import RuntimeSettings

# The parts whose statistics read from rollups, and the schema they keep them in.
ROLLUP_SCHEMAS = {
    "registry": "registry",
    "jobs": "jobs",
    "monitoring": "monitoring",
    "projects": "projects",
    "oversight": "oversight",
}
SHOWN = 20


def add_parser(commands: argparse._SubParsersAction) -> None:
    reports = commands.add_parser("reports", help="the rollups behind the area reports")
    actions = reports.add_subparsers(dest="reports_command", required=True, metavar="REPORTS_COMMAND")
    check = actions.add_parser(
        "verify", help="recount from the raw rows and list where the rollups differ (exit 1 if any)"
    )
    check.add_argument("parts", nargs="*", metavar="PART", help=f"{', '.join(ROLLUP_SCHEMAS)} (default: all)")
    check.add_argument(
        "--repair", action="store_true", help="after reporting, rebuild the rollups that differ"
    )
    check.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace, runtime: RuntimeSettings) -> int:
    unknown = [name for name in args.parts if name not in ROLLUP_SCHEMAS]
    if unknown:
        print(
            f"fangpin: no rollups in {', '.join(unknown)} (parts: {', '.join(ROLLUP_SCHEMAS)})",
            file=sys.stderr,
        )
        return 2
    local = LocalRuntime(runtime)
    try:
        differing = 0
        for name in args.parts or list(ROLLUP_SCHEMAS):
            url = local.settings_for(PARTS[name]).database_url
            assert url is not None  # settings_for sets it for a part with a schema
            differences = asyncio.run(_verify(url, name, args.repair))
            differing += len(differences)
        return 1 if differing else 0
    finally:
        local.close()


async def _verify(url: str, part: str, repair: bool) -> list[Difference]:
    schema = ROLLUP_SCHEMAS[part]
    # A recount of a county can take longer than a request may.
    engine = create_engine(url, part=f"{part}-cli", pool_size=1, max_overflow=0, statement_timeout_ms=0)
    try:
        async with engine.connect() as connection:
            differences = await _consistent_verify(connection, schema)
            _print(part, differences)
            if differences and repair:
                async with connection.begin():
                    await rebuild(connection, schema)
                left = await _consistent_verify(connection, schema)
                print(f"fangpin: {part}: rebuilt; {len(left)} differences now", file=sys.stderr)
        return differences
    finally:
        await engine.dispose()


async def _consistent_verify(connection: AsyncConnection, schema: str) -> list[Difference]:
    # One snapshot for the recount and the totals, so writes meanwhile cannot look like a difference.
    async with connection.begin():
        await connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        if waiting := await stale_count(connection, schema):
            print(
                f"fangpin: {schema}: {waiting:,} subjects wait for their recount in the background "
                "(a new threshold version); they are compared as stored",
                file=sys.stderr,
            )
        return await verify(connection, schema)


def _print(part: str, differences: list[Difference]) -> None:
    if not differences:
        print(f"fangpin: {part}: the rollups equal a recount from the raw rows", file=sys.stderr)
        return
    print(f"fangpin: {part}: {len(differences):,} figures differ from a recount:", file=sys.stderr)
    for d in differences[:SHOWN]:
        print(
            f"  area {d.area_code} {d.measure} {d.key or '-'} on {d.day}: "
            f"rollup {d.rollup:+}, recount {d.recount:+}",
            file=sys.stderr,
        )
    if len(differences) > SHOWN:
        print(f"  … and {len(differences) - SHOWN:,} more", file=sys.stderr)
