"""A system to measure: its own database, the parts as separate processes on loopback, an admin."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from tests.support.database import (
    create_app_role,
    create_test_database,
    drop_app_role,
    drop_test_database,
    migrate_all,
    with_database,
)
from tests.support.processes import PartProcess, start_part, start_system, wait_ready
from tests.support.system import NO_RATE_LIMITS, Database, Keys, process_env

ADMIN, PASSWORD = "bench-admin", "bench password 0001"


@dataclass
class BenchEnvironment:
    database: Database
    keys: Keys
    parts: dict[str, PartProcess]
    admin_headers: dict[str, str] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.parts["gateway"].url

    @classmethod
    @asynccontextmanager
    async def start(
        cls, server: str, workdir: Path, *, whole: bool = False, **extra_env: str
    ) -> AsyncIterator[BenchEnvironment]:
        """Everything on a fresh database of ``server``; dropped again at the end. ``whole``: one
        `fangpin serve` process with every part in it (as `./dev up` runs), not a process per part."""
        owner = await create_test_database(server)
        role = await create_app_role(owner)
        app = with_database(owner, make_url(owner).database, user=role) if role else owner
        await migrate_all(owner, app)
        keys = Keys.generate()
        database = Database(owner, app)
        env = process_env(
            database,
            keys,
            FANGPIN_LOG_LEVEL="WARNING",
            # One long run: a token that outlives it, and ledgers streamed in the answer, not as jobs.
            FANGPIN_GATEWAY_ACCESS_TOKEN_TTL_S="86400",
            FANGPIN_EXPORT_INLINE_MAX_ROWS="100000000",
            **NO_RATE_LIMITS,
            **extra_env,
        )
        parts: dict[str, PartProcess] = {}
        try:
            if whole:
                parts["gateway"] = start_part("all", env, workdir, "--no-migrate")
                wait_ready(parts["gateway"])
            else:
                parts = start_system(env, workdir)
            environment = cls(database, keys, parts)
            environment.admin_headers = _admin_headers(environment.gateway, env)
            yield environment
        finally:
            for part in parts.values():
                part.stop()
            await drop_test_database(server, owner)
            if role:
                await drop_app_role(server, role)


def _admin_headers(gateway: str, env: dict[str, str]) -> dict[str, str]:
    command = [sys.executable, "-m", "fangpin", "users", "create-admin", ADMIN, "--area", "000000000000"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
    subprocess.run(command, input=PASSWORD + "\n", env=full_env, text=True, check=True, capture_output=True)
    form = {"grant_type": "password", "username": ADMIN, "password": PASSWORD}
    token = httpx.post(f"{gateway}/api/v1/auth/token", data=form, timeout=30).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
