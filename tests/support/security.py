"""Helpers of the security tests: limits set for a test, ledgers written as export jobs, imports over
the API, the audit's record of disclosures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.registry.national_id import check_digit
from tests.support.database import libpq_url
from tests.support.import_files import write_csv
from tests.support.system import Database

EXPORT = "/api/v1/households/export"


def number_ending_in_x(birth: str = "19750304") -> str:
    for serial in range(1, 1000):
        first17 = f"610924{birth}{serial:03d}"
        if check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X check digit in a thousand serials")


@contextmanager
def inline_limit(system: FastAPI, rows: int) -> Iterator[None]:
    settings = system.state.local_apps["registry"].state.settings
    before, settings.export_inline_max_rows = settings.export_inline_max_rows, rows
    try:
        yield
    finally:
        settings.export_inline_max_rows = before


async def exported(client: httpx.AsyncClient, params: dict[str, str]) -> bytes:
    """A ledger written as an export job, once done, downloaded."""
    return await downloaded(client, await client.get(EXPORT, params=params))


async def downloaded(client: httpx.AsyncClient, started: httpx.Response) -> bytes:
    assert started.status_code == 202, started.text
    for _ in range(200):
        job = (await client.get(started.headers["location"])).json()
        if job["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "done", job
    file = await client.get(job["download"])
    assert file.status_code == 200
    return file.content


async def imported(client: httpx.AsyncClient, rows: list[list[str]], tmp_path: Path) -> dict[str, Any]:
    path = write_csv(tmp_path / f"{uuid.uuid4().hex}.csv", rows)
    files = {"file": ("户籍.csv", path.read_bytes(), "text/csv")}
    job = (await client.post("/api/v1/imports", files=files)).json()
    for _ in range(600):
        job = (await client.get(f"/api/v1/imports/{job['id']}")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import still {job['status']}")


async def owner_fetch(database: Database, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


@contextmanager
def disclosure_limit(system: FastAPI, limit: int) -> Iterator[None]:
    settings = system.state.local_apps["registry"].state.settings
    before, settings.disclosure_limit = settings.disclosure_limit, limit
    try:
        yield
    finally:
        settings.disclosure_limit = before


async def revealed_number(admin: httpx.AsyncClient, person_id: str) -> str:
    return (await admin.get(f"/api/v1/people/{person_id}", params={"reveal": "true"})).json()["national_id"]


async def disclosures(database: Database) -> list[asyncpg.Record]:
    return await owner_fetch(
        database,
        "SELECT actor_id, action, resource_type, resource_id, area_code, changes, outcome, status "
        "FROM registry.audit_log WHERE action LIKE '%.registered_elsewhere.disclosed' ORDER BY id",
    )
