"""The async engine (asyncpg) and the request-scoped session that is the unit of work.

A request's session commits once at the end or rolls back on any error; service code only flushes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Row, Select, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util.concurrency import await_

from services.common.audit.requests import record_failure, trail_for
from services.common.audit.store import AuditStore
from services.common.audit.trail import SESSION_KEY, Outcome
from services.common.errors import DatabaseUnavailable, ServiceUnavailable
from services.common.metrics import DB_POOL_CHECKED_OUT, DB_POOL_SIZE


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as psql and libpq take them) and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ValueError(f"fangpin needs PostgreSQL, not {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    part: str,
    pool_size: int = 10,
    max_overflow: int = 10,
    statement_timeout_ms: int = 30_000,
    read_only: bool = False,
) -> AsyncEngine:
    server_settings = {
        "application_name": f"fangpin-{part}",
        "statement_timeout": str(statement_timeout_ms),
        "timezone": "UTC",
        # Our statements are short and planned on arrays whose sizes the planner guesses: their cost
        # estimates can cross JIT's threshold, and compiling then took a second or more per statement
        # (seen: 1.8 s of a 30 ms rollup refresh in the import). Nothing we run gains from it.
        "jit": "off",
    }
    if read_only:
        # Set once per connection rather than per transaction: no extra round trip per request.
        server_settings["default_transaction_read_only"] = "on"
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": server_settings, "timeout": 10},
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_database_error)
    engine.sync_engine.dialect.do_ping = _ping_in_one_round_trip  # type: ignore[method-assign]
    return engine


def _ping_in_one_round_trip(dbapi_connection: Any) -> bool:
    """The pool's check that a connection it hands out is alive, in one round trip.

    SQLAlchemy's asyncpg ping runs its query in a transaction of its own (BEGIN, the query, ROLLBACK:
    three round trips), so that a prepared statement cannot meet another server connection behind a
    transaction-mode pooler. A statement sent by the simple query protocol prepares nothing, so it needs
    no transaction. Every session checks out a connection: the two round trips saved were about a fifth
    of the CPU of serving a simple read. A dead connection still fails here, as the driver's error
    translated, so that the pool replaces it (and every connection older) before the session uses it."""
    try:
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - translated and raised again, as SQLAlchemy's own ping does
        dbapi_connection._handle_exception(error)
    return True


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection as the driver's own (asyncpg), for what SQLAlchemy does not offer: COPY.

    SQLAlchemy rolls back only the transactions it began. One begun on the driver's connection and left
    open (an error or a cancellation cut it short, even its own BEGIN) would go back into the pool, and
    the next session's work would run inside it, its commit only a savepoint's release, holding its row
    locks. Such a connection is closed instead (the server rolls it back), and so is any whose work ended
    in an error."""
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
        try:
            yield driver
        except BaseException:
            await connection.invalidate()
            raise
        if driver.is_in_transaction():
            await connection.invalidate()


def _connect_or_database_error(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
    """A server that is down (its socket file gone, the port closed) fails the connect with an OSError,
    which SQLAlchemy passes on as it is: every session opened outside a request's unit of work (sign-in,
    background tasks) would meet a bare OSError, and a request a 500. As a database error it is a 503."""
    try:
        return dialect.loaded_dbapi.connect(*cargs, **cparams)
    except OSError as exc:
        raise dialect.loaded_dbapi.OperationalError(f"the database is not reachable: {exc}") from exc


class Database:
    """One per part: its engine and session factory, built once in the app's lifespan."""

    def __init__(self, engine: AsyncEngine, part: str, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.part = part
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        # Searches and listings may read from a replica; without one they read the primary.
        self.read_engine = read_engine
        reads = read_engine or engine
        # Each statement of a read session is a transaction of its own (autocommit): under READ COMMITTED
        # each statement of a transaction sees its own snapshot anyway, so a BEGIN and a ROLLBACK around
        # a search only cost two round trips (a quarter of serving a simple one).
        self.read_sessionmaker = async_sessionmaker(
            reads.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False
        )
        # A server-side cursor lives in a transaction: a streamed ledger reads in one, and one snapshot.
        self.stream_sessionmaker = async_sessionmaker(reads, expire_on_commit=False, autoflush=False)

    async def ping(self) -> None:
        for engine in filter(None, (self.engine, self.read_engine)):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    def record_pool_metrics(self) -> None:
        pool = self.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        if callable(checked_out) and callable(size):
            DB_POOL_CHECKED_OUT.labels(self.part).set(checked_out())
            DB_POOL_SIZE.labels(self.part).set(size())

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not None:
            await self.read_engine.dispose()


def get_database(request: Request) -> Database:
    database: Database | None = getattr(request.app.state, "database", None)
    if database is None:
        raise ServiceUnavailable("The database is not configured for this part")
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit after the endpoint returns, roll back if it raises.

    The request's audit entries are written in the same transaction as its changes; a write that
    fails is still recorded, with its outcome, in a transaction of its own.
    """
    database = get_database(request)
    store: AuditStore | None = getattr(request.app.state, "audit_store", None)
    trail = trail_for(request)
    async with database.sessionmaker() as session:
        session.info[SESSION_KEY] = trail
        try:
            yield session
        except asyncio.CancelledError:
            await session.rollback()
            raise
        except OSError as exc:
            # The database's socket went away under the request (restart, failover); it left no trace.
            raise DatabaseUnavailable() from exc
        except BaseException as exc:
            await session.rollback()
            await record_failure(database.sessionmaker, store, trail, request, exc)
            raise
        else:
            if store is not None and (trail.entries or trail.is_write):
                trail.principal = getattr(request.state, "principal", None)
                await store.append(session, trail, Outcome.success, status=None)
            await session.commit()


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for searches and listings: on the replica when one is configured (read-only, and it may
    lag the primary by a moment), else on the primary. Its statements run without a transaction around
    them (each is its own); audit entries go to the primary."""
    database = get_database(request)
    trail = trail_for(request)
    async with database.read_sessionmaker() as session:
        session.info[SESSION_KEY] = trail
        try:
            yield session
        except OSError as exc:
            raise DatabaseUnavailable() from exc
        finally:
            await session.rollback()
    store: AuditStore | None = getattr(request.app.state, "audit_store", None)
    if store is not None and trail.entries:
        trail.principal = getattr(request.state, "principal", None)
        async with database.sessionmaker() as session, session.begin():
            await store.append(session, trail, Outcome.success, status=None)


async def read_partitions(
    database: Database, query: Select[Any], size: int
) -> AsyncIterator[Sequence[Row[*tuple[Any, ...]]]]:
    """The rows of a query, ``size`` at a time, for a file streamed after the request's own session is
    gone: on a read session of its own, in one snapshot (one statement), through a server-side cursor
    (rows are fetched as they are written, so memory stays flat)."""
    async with database.stream_sessionmaker() as session:
        result = await session.stream(query.execution_options(yield_per=size))
        async for rows in result.partitions():
            yield rows


# scope="function": commit before the response is sent, so a failed commit is an error, not a lost write.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
