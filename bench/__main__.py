"""bench/run: every benchmark, one table. Each figure is measured against a baseline in the same run."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.day.run import county_day
from bench.environment import BenchEnvironment
from bench.gateway_hop import gateway_hop
from bench.imports import county_import
from bench.ingest import inspection_ingest
from bench.ledgers import ledger_export
from bench.projects import project_figures
from bench.report import Row, announce, print_table
from bench.reports import SKIPPABLE, area_reports
from bench.serving import serving_during_import
from bench.writes import area_writes
from tests.support.database import embedded_server_url

SIZES = {"small": 1, "medium": 4, "large": 16}


BENCHMARKS = ("hop", "writes", "ingest", "import", "reports", "ledger", "projects", "serving", "day")
# What --skip may leave out of `import` and `reports`: a province's run keeps the import's rate, its
# course and memory and the area reports, and leaves out what grows past the machine's time with it.
SKIP = {"floor": "the import's scratch run and its COPY floor, half the import's time", **SKIPPABLE}


async def main(args: argparse.Namespace, server: str, workdir: Path, only: set[str]) -> list[Row]:
    rows = []
    if only - {"day", "serving"}:
        rows = await _on_shared_system(args.size, server, workdir, args.import_people, only, args.skip)
    if "serving" in only and args.import_people != 0:  # two systems of its own: `fangpin serve`, each
        people = args.import_people or 100_000 * SIZES[args.size]
        rows += announce(await serving_during_import(server, workdir, people, not args.serving_without_relay))
    if "day" in only:  # its own system: `fangpin serve`, one process, on a database of its own
        rows += announce(await county_day(server, workdir, args.day_minutes, args.day_phones))
    return rows


async def _on_shared_system(
    size: str,
    server: str,
    workdir: Path,
    import_people: int | None,
    only: set[str],
    skip: frozenset[str],
) -> list[Row]:
    scale = SIZES[size]
    rows: list[Row] = []
    async with BenchEnvironment.start(server, workdir) as env:
        if "hop" in only:
            rows += announce(await gateway_hop(env, requests=3_000 * scale, concurrency=32))
        if "writes" in only:
            rows += announce(await area_writes(env, count=1_000 * scale))
        if "ingest" in only:
            rows += announce(await inspection_ingest(env, count=20_000 * scale))
        people = import_people or 100_000 * scale
        if ({"import", "reports", "ledger"} & only) and import_people != 0:
            imported = await county_import(env, people, workdir, floor="floor" not in skip)
            rows += announce(imported) if "import" in only else []
        if "reports" in only and import_people != 0:
            rows += announce(await area_reports(env, people, skip=skip))  # on the county just imported
        if "ledger" in only and import_people != 0:
            rows += announce(await ledger_export(env, workdir))
        if "projects" in only:
            rows += announce(await project_figures(env, projects=20_000 * scale))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description=__doc__,
        epilog="A province (issue #26): bench/run --only import,reports --import-people 3000000 "
        "--skip floor,profiles,recounts,interval — the import's rate over its course, first and last "
        "100,000 rows and peak memory; the county, town and village report p95s; the county's report "
        "with a third of its households paired and visited. Past a million people the county grows by "
        "towns of 50,000 people (15 villages each).",
    )
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument(
        "--import-people",
        type=int,
        help="people in the import benchmark (default 100,000 × size; 0 skips it)",
    )
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--serving-without-relay",
        action="store_true",
        help="serving: no event relay, so the job's own work is measured without its events' delivery",
    )
    parser.add_argument(
        "--day-minutes", type=float, default=10, help="length of the county's day (default 10)"
    )
    parser.add_argument(
        "--day-phones", type=int, default=10, help="phones each of the day's ten steps adds (default 10)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts of import and reports to leave out: "
        + "; ".join(f"{name}: {what}" for name, what in SKIP.items()),
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only <= set(BENCHMARKS):
        parser.error(f"--only takes {', '.join(BENCHMARKS)}")
    args.skip = frozenset(filter(None, args.skip.split(",")))
    if not args.skip <= set(SKIP):
        parser.error(f"--skip takes {', '.join(SKIP)}")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="fangpin-bench-"))
    server, embedded = os.environ.get("FANGPIN_DATABASE_URL"), None
    if not server:
        # Started before the event loop: the embedded server's setup runs its own.
        server, embedded = embedded_server_url(workdir / "pg")
    finished = False
    try:
        rows = asyncio.run(main(args, server, workdir, only))
        finished = True
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
        if finished:  # its database and the parts' logs: hundreds of MB a run
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"bench: the parts' logs and the database are kept in {workdir}", file=sys.stderr)
    print_table(rows, title=f"fangpin benchmarks (size {args.size}, {time.monotonic() - started:.0f} s)")
    sys.exit(0)
