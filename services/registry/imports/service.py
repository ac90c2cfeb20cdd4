"""Importing a county's households and people from CSV or XLSX: streaming, checked, idempotent.

A dry run checks every row (against the file and against the database) and writes nothing. A real run
writes each batch in its own transaction, so a crash loses nothing that was reported done, and
running the same file again changes nothing. Bad rows are reported (row, column, reason) and skipped;
they never stop the good ones.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, cast

import asyncpg

from services.common.calendar import china_today
from services.common.ids import new_id
from services.registry import national_id
from services.registry.disclosures import DisclosureGate
from services.registry.imports import reader, writer
from services.registry.imports.blocked import blocked_rows
from services.registry.imports.columns import BY_HEADER
from services.registry.imports.lanes import Lanes
from services.registry.imports.validate import Header, ImportRow, RowChecker, RowError
from services.registry.national_id import IdVault

BATCH_ROWS = 5_000
WRITERS = 2  # batches written at once, each on its own connection (see lanes)
# In the order of writer.HOUSEHOLD_COLUMNS / PEOPLE_COLUMNS, between the leading ids and the date.
STAGED_HOUSEHOLD = (
    "village_code", "group_no", "address", "household_phone", "housing_type", "housing_grade",
    "drinking_water", "cultivated_land_mu", "forest_land_mu", "category", "poverty_exit_year",
)  # fmt: skip
STAGED_PERSON = (
    "name", "birth_date", "sex", "relation", "health", "disability_grade", "labour_ability", "schooling",
    "medical_insured",
)  # fmt: skip
MAX_REPORTED_ERRORS = 1_000
COUNTS = (
    "households_created", "households_changed", "people_created", "people_changed", "periods_started",
    "periods_ended", "periods_moved",
)  # fmt: skip


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, or required columns missing)."""


@dataclass
class ImportReport:
    rows_total: int = 0
    rows_done: int = 0
    rows_ok: int = 0
    rows_bad: int = 0
    households_created: int = 0
    households_changed: int = 0
    people_created: int = 0
    people_changed: int = 0
    periods_started: int = 0  # programme and category periods the file opened
    periods_ended: int = 0  # and those it ended (a 否 where the period was open, a category changed)
    periods_moved: int = 0  # open periods whose start the file gives otherwise
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the import stopped before the end of the file

    def add_errors(self, errors: list[RowError]) -> None:
        self.rows_bad += 1
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(e.as_dict() for e in errors[: max(room, 0)])


Progress = Callable[[ImportReport], Any]
ConnectionSource = Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]


class FileChecks:
    """What must hold across the whole file: one row per ID number, one set of fields and one head
    per household. Memory: a few dozen bytes per household and per person, never the rows themselves."""

    def __init__(self, header: Header, villages: set[str]) -> None:
        self.header = header
        self.villages = villages
        self.people: set[bytes] = set()
        self.households: dict[str, tuple[bytes, bool]] = {}  # number -> (fields digest, has a head)

    def check(self, row: ImportRow, index: bytes) -> list[RowError]:
        name = self.header.name
        number, village = row.household["household_number"], row.household["village_code"]
        if village not in self.villages:
            reason = f"{village} is not a village in your area (or it was merged into another)"
            return [RowError(row.row, name(BY_HEADER["village_code"]), reason, "unknown_village")]
        digest = index[:16]
        if digest in self.people:
            reason = "This ID number is on an earlier row of the file"
            return [RowError(row.row, name(BY_HEADER["national_id"]), reason, "id_repeated")]
        known = self.households.get(number)
        if known is not None and known[0] != row.household_digest:
            reason = f"Household {number} has different household fields on an earlier row"
            return [RowError(row.row, name(BY_HEADER["household_number"]), reason, "household_fields_differ")]
        is_head = row.person["relation"] == "head"
        if is_head and known is not None and known[1]:
            reason = f"Household {number} already has a head (户主) on an earlier row"
            return [RowError(row.row, name(BY_HEADER["relation"]), reason, "two_heads")]
        self.people.add(digest)
        self.households[number] = (row.household_digest, is_head or (known is not None and known[1]))
        return []


async def villages_in_scope(conn: asyncpg.Connection, scope_prefix: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT code FROM registry.areas "
        "WHERE level = 'village' AND merged_into_code IS NULL AND code LIKE $1",
        scope_prefix + "%",
    )
    return {r["code"] for r in rows}


async def run_import(
    conn: asyncpg.Connection,
    path: Path,
    *,
    vault: IdVault,
    scope_prefix: str,
    actor: str,
    actor_name: str = "",
    fmt: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
    more_connections: ConnectionSource | None = None,
    writers: int = WRITERS,
    gate: DisclosureGate | None = None,
    as_of: date | None = None,
    job_id: uuid.UUID | None = None,
) -> ImportReport:
    """Import the file through ``conn``; with ``more_connections``, up to ``writers`` batches are written
    at once (see ``lanes``). ``as_of`` is the date the file describes (default: today): the periods it
    no longer lists end the day before (see ``periods``). With ``job_id``, the household and person
    each row wrote or matched are kept with that job. With a ``gate``, a row refused because its number
    is registered outside the area says so only while the caller has such answers left; when they run
    out, the import stops (the rows before are done; the same file run again later does the rest)."""
    try:
        fmt = reader.detect_format(path, fmt)
        report = ImportReport(rows_total=reader.count_rows(path, fmt))
        rows = reader.rows(path, fmt)
        header = Header(next(rows, []))
    except reader.UnreadableFile as exc:
        raise ImportFileError(str(exc)) from exc
    if header.missing:
        raise ImportFileError(f"Required columns are missing: {', '.join(header.missing)}")
    report.ignored_columns = header.unknown
    checks = FileChecks(header, await villages_in_scope(conn, scope_prefix))
    batches = _checked_batches(rows, header, checks, vault, batch_rows)
    statistics = _Statistics(batch_rows)
    write = _Writing(scope_prefix, actor, actor_name, dry_run, header, as_of or china_today(), job_id, gate)
    if progress:  # the file is counted: the total is known before the first batch is done
        await _maybe_await(progress(report))

    async def finish(connection: asyncpg.Connection, batch: CheckedBatch) -> None:
        if batch.rows:
            outcome = await write(connection, batch)
            for errors in outcome.blocked.values():
                report.add_errors(errors)
            if outcome.halted:  # nothing else of this batch is told, nor done
                write.halt.at(batch.first_row())
                return
            report.rows_ok += len(batch.rows) - len(outcome.blocked)
            for key, value in outcome.counts.items():
                setattr(report, key, getattr(report, key) + value)
        report.rows_done += batch.rows_read
        for errors in batch.errors:
            report.add_errors(errors)
        await statistics.refresh_if_doubled(connection, report)
        if progress:
            await _maybe_await(progress(report))

    async with AsyncExitStack() as stack:
        connections = [conn]
        if more_connections is not None:
            for _ in range(writers - 1):
                connections.append(await stack.enter_async_context(more_connections()))
        for connection in connections:
            await writer.prepare(connection)
        try:
            async with Lanes(connections) as lanes, aclosing(_one_ahead(batches)) as ahead:
                async for batch in ahead:
                    if write.halt.pending:
                        break
                    await lanes.submit(frozenset(batch.households), partial(finish, batch=batch))
                await lanes.drain()
        except reader.UnreadableFile as exc:
            raise ImportFileError(str(exc)) from exc
    report.errors.sort(key=lambda error: error["row"])  # batches may finish out of order
    if write.halt.row is not None and gate is not None:
        done = "checked" if dry_run else "imported"
        report.stopped = (
            f"Stopped at row {write.halt.row}: {gate.limited().detail}. The rows before it were {done}; "
            "run the same file again then (it is idempotent)"
        )
    report.rows_total = max(report.rows_total, report.rows_done)
    if any(getattr(report, count) for count in COUNTS):
        await writer.refresh_statistics(conn)
    if progress:
        await _maybe_await(progress(report))
    return report


class _Statistics:
    """Refreshes the planner's statistics each time the import has doubled what it wrote."""

    def __init__(self, batch_rows: int) -> None:
        self.batch_rows = batch_rows
        self.analysed_at = 0  # rows written when the statistics were last refreshed

    async def refresh_if_doubled(self, connection: asyncpg.Connection, report: ImportReport) -> None:
        written = report.people_created + report.households_created
        if written >= 2 * self.analysed_at + self.batch_rows:
            self.analysed_at = written  # before the wait: another lane must not start one too
            await writer.refresh_statistics(connection)


@dataclass
class CheckedBatch:
    """Up to ``batch_rows`` good rows, ready to stage, and the bad rows read on the way to them."""

    rows: list[tuple[ImportRow, bytes]] = field(default_factory=list)  # with each ID number's index
    households: dict[str, tuple] = field(default_factory=dict)  # staged, by household number
    people: list[tuple] = field(default_factory=list)  # staged
    rows_read: int = 0
    errors: list[list[RowError]] = field(default_factory=list)

    def first_row(self) -> int:
        return min([row.row for row, _ in self.rows] + [errors[0].row for errors in self.errors])


def _checked_batches(
    rows: Iterator[list[str]], header: Header, checks: FileChecks, vault: IdVault, batch_rows: int
) -> Iterator[CheckedBatch]:
    """The file's rows checked, indexed and encrypted, a batch at a time: all the import's work that
    needs no database, so it can run beside the writing of the batch before."""
    batch, check = CheckedBatch(), RowChecker(header)
    for row_number, cells in enumerate(rows, start=2):
        if not "".join(cells).strip():
            continue  # blank lines between blocks are common in hand-kept ledgers
        batch.rows_read += 1
        checked = check(cells, row_number)
        if isinstance(checked, list):
            batch.errors.append(checked)
            continue
        index = vault.blind_index(checked.number)
        if problems := checks.check(checked, index):
            batch.errors.append(problems)
            continue
        _stage_row(batch, checked, index, vault, check.today)
        if len(batch.rows) >= batch_rows:
            yield batch
            batch = CheckedBatch()
    if batch.rows_read:
        yield batch


def _stage_row(batch: CheckedBatch, row: ImportRow, index: bytes, vault: IdVault, today: date) -> None:
    batch.rows.append((row, index))
    h = row.household
    registered_on = h["registered_on"] or today
    number = h["household_number"]
    if number not in batch.households:
        fields = [h[f] for f in STAGED_HOUSEHOLD]
        batch.households[number] = (row.row, new_id(), number, *fields, registered_on)
    secret = (index, vault.encrypt(row.number), national_id.mask(row.number))
    person = [row.person[f] for f in STAGED_PERSON]
    programmes = (row.programmes, row.programme_starts)
    batch.people.append((row.row, new_id(), number, *secret, *person, *programmes, registered_on))


_END = object()


async def _one_ahead(items: Iterator[CheckedBatch]) -> AsyncGenerator[CheckedBatch, None]:
    """The batches, each worked out in a thread while the one before is written (the checks and the
    encryption are Python, the writing is the database's: on two cores they overlap)."""
    loop = asyncio.get_running_loop()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="import-checks") as pool:
            upcoming = loop.run_in_executor(pool, next, items, _END)
            while (item := await upcoming) is not _END:
                upcoming = loop.run_in_executor(pool, next, items, _END)
                yield cast(CheckedBatch, item)  # not _END: a batch
    finally:  # the thread is done (the pool waited for it): the file can be closed now
        if isinstance(items, Generator):
            items.close()


async def _maybe_await(value: Any) -> None:
    if hasattr(value, "__await__"):
        await value


@dataclass
class BatchOutcome:
    blocked: dict[int, list[RowError]]  # rows the database refused, by row number
    counts: dict[str, int]  # households and people created and changed
    halted: bool = False  # not written: the caller's disclosures ran out


class _Halt:
    """Shared by the lanes: the first row of the earliest batch not done for want of disclosures."""

    def __init__(self) -> None:
        self.row: int | None = None
        self.pending = False  # a lane found the allowance spent; its batch is being wound up

    def at(self, row: int) -> None:
        self.row = row if self.row is None else min(self.row, row)


@dataclass
class _Writing:
    """One batch in one transaction: staged, checked against the database, then written (or, in a dry
    run, rolled back). Its outcome is counted only once it has committed."""

    scope_prefix: str
    actor: str
    actor_name: str
    dry_run: bool
    header: Header
    as_of: date
    job_id: uuid.UUID | None
    gate: DisclosureGate | None = None
    halt: _Halt = field(default_factory=_Halt)

    async def __call__(self, conn: asyncpg.Connection, checked: CheckedBatch) -> BatchOutcome:
        if self.halt.pending:  # past the allowance nothing is looked at: what it found would tell
            return BatchOutcome({}, {}, halted=True)
        transaction = conn.transaction()
        await transaction.start()
        try:
            # One batch may take longer than the serving statement timeout; it is bounded by its size.
            await conn.execute("SET LOCAL statement_timeout = '10min'")
            await conn.execute(
                "SELECT set_config('fangpin.actor', $1, true), set_config('fangpin.actor_name', $2, true)",
                self.actor,
                self.actor_name,
            )
            await writer.stage(conn, list(checked.households.values()), checked.people)
            households, people = await writer.blocked_rows(conn, self.scope_prefix)
            found = blocked_rows(checked.rows, households, people, self.header, self.scope_prefix)
            blocked = found.errors
            if self.gate is not None and found.disclosures:
                granted = await self.gate.take(found.disclosures)
                if granted < len(found.disclosures):
                    self.halt.pending = True
                    await transaction.rollback()
                    return BatchOutcome(found.answered(granted), {}, halted=True)
                if self.gate.left == 0:  # this batch told all; what the next ones would meet must not show
                    self.halt.pending = True
            elif self.halt.pending:  # the other lane ran out meanwhile
                await transaction.rollback()
                return BatchOutcome(blocked, {}, halted=True)
            if self.dry_run:
                await transaction.rollback()
                return BatchOutcome(blocked, {})
            counts = await writer.write(
                conn,
                self.actor,
                as_of=self.as_of,
                programmes_read=self.header.programmes_read,
                category_read="category" in self.header.position,
                job_id=self.job_id,
            )
        except BaseException:
            await transaction.rollback()
            raise
        await transaction.commit()
        return BatchOutcome(blocked, counts)
