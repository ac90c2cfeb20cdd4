"""The async engine (asyncpg) and the request-scoped session that is the unit of work.

A request's session commits once at the end or rolls back on any error; service code only flushes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from services.common.errors import ServiceUnavailable
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
) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "server_settings": {
                "application_name": f"fangpin-{part}",
                "statement_timeout": str(statement_timeout_ms),
                "timezone": "UTC",
            },
            "timeout": 10,
        },
    )


class Database:
    """One per part: its engine and session factory, built once in the app's lifespan."""

    def __init__(self, engine: AsyncEngine, part: str) -> None:
        self.engine = engine
        self.part = part
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
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


def get_database(request: Request) -> Database:
    database: Database | None = getattr(request.app.state, "database", None)
    if database is None:
        raise ServiceUnavailable("The database is not configured for this part")
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit after the endpoint returns, roll back if it raises."""
    database = get_database(request)
    async with database.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is an error, not a lost write.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
