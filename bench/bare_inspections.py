"""A bare inspections endpoint: the floor the real one is measured against (bench/ingest.py).

The same uvicorn settings as `fangpin serve` (its server class, so the same frozen start-up objects),
the same body parsed into monitoring's own batch model and each item into ``InspectionCreate``, as
the real intake does, and a per-item answer in the real result model. Then one COPY of the items into
a table shaped like ``monitoring.inspections`` (``LIKE … INCLUDING ALL``: its indexes and checks, no
triggers). No caller check, no duplicate check, no rules, no audit, no alerts.

    python -m bench.bare_inspections --port PORT   (FANGPIN_BENCH_DATABASE_URL: where the table is)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Request

from fangpin.server import DrainingServer
from services.monitoring.inspections.schemas import (
    InspectionBatch,
    InspectionBatchResult,
    InspectionCreate,
    InspectionItemResult,
)

SCHEMA, TABLE = "bench_floor", "bare_inspections"
COLUMNS = (
    "id", "household_id", "area_code", "inspector_id", "inspector_name", "cadre_id", "visited_at",
    "latitude", "longitude", "answers", "content_sha256", "findings", "ruleset_version",
)  # fmt: skip
CREATE = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
DROP TABLE IF EXISTS {SCHEMA}.{TABLE};
CREATE TABLE {SCHEMA}.{TABLE} (LIKE monitoring.inspections INCLUDING ALL);
"""


def record_of(item: InspectionCreate) -> tuple:
    where = item.location
    return (
        item.id, item.household_id, item.area_code, "bench", "bench", item.cadre_id, item.visited_at,
        where.latitude if where else None, where.longitude if where else None, item.model_dump_json(),
        b"", "[]", "bare",
    )  # fmt: skip


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Monitoring's pool size (services.common.settings: pool_size), one connection per request.
    pool = await asyncpg.create_pool(os.environ["FANGPIN_BENCH_DATABASE_URL"], min_size=1, max_size=10)
    async with pool.acquire() as conn:
        await conn.execute(CREATE)
    app.state.pool = pool
    yield
    await pool.close()


app = FastAPI(lifespan=_lifespan)


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.post("/batch", response_model=InspectionBatchResult)
async def post_batch(body: InspectionBatch, request: Request) -> InspectionBatchResult:
    items = [InspectionCreate.model_validate(raw) for raw in body.items]
    async with request.app.state.pool.acquire() as conn:
        await conn.copy_records_to_table(
            TABLE, schema_name=SCHEMA, records=[record_of(i) for i in items], columns=COLUMNS
        )
    answers = [InspectionItemResult(index=n, id=i.id, status="created") for n, i in enumerate(items)]
    return InspectionBatchResult(created=len(items), duplicates=0, failed=0, items=answers)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench.bare_inspections", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    DrainingServer(config, [app], drain_s=0).run()
