"""Area reports on a county imported by the import benchmark: how fast from rollups, against raw SQL.

Baseline: the plainest recount a database can do — one GROUP BY over the base tables for the same
area (households and people by village, and by programme). The report through the gateway reads
rollups and asks all three services. Without rollups, the same figures "as of" a date come from the
raw rows (``registry.stats.repository``: moves, deaths and programme periods on that date): that is
the cold recount. The rebuild that `fangpin reports verify --repair` does (every household's whole
history, every date) is timed against the same baseline too.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import date

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.environment import BenchEnvironment
from bench.imports import FIRST_TOWN
from bench.profiles import make_groups, village_profiles
from bench.report import Row, progress
from services.common.area_codes import prefix_of
from services.common.calendar import china_today
from services.common.database import async_url
from services.common.rollups.compaction import compact_exclusively
from services.common.rollups.store import RECOUNT_SQL
from services.registry.stats.repository import as_of_counts
from tests.support.database import libpq_url

COUNTY = "610924000000"
TOWN = f"610924{FIRST_TOWN:03d}000"
VILLAGE = f"610924{FIRST_TOWN:03d}201"
RAW_GROUP_BY = """
SELECT h.area_code, count(DISTINCT h.id) AS households, count(p.id) AS people
FROM registry.households h LEFT JOIN registry.people p
  ON p.household_id = h.id AND p.deleted_at IS NULL AND p.deceased_on IS NULL
WHERE h.area_code LIKE $1 AND h.deleted_at IS NULL GROUP BY h.area_code
"""
RAW_PROGRAMMES = """
SELECT g.programme, count(DISTINCT g.household_id), count(p.id)
FROM registry.programme_memberships g JOIN registry.people p ON p.household_id = g.household_id
WHERE g.area_code LIKE $1 AND g.ends_on IS NULL AND p.deleted_at IS NULL GROUP BY g.programme
"""
RECOUNT = f"SELECT count(*) FROM ({RECOUNT_SQL.format(schema='registry')}) AS recount"  # noqa: S608
# One cadre per 30 households for a third of the households (脱贫户 and 监测户 are paired), written
# straight into the tables: the assignments' own API is measured elsewhere.
PAIR_A_THIRD = """
WITH chosen AS (
    SELECT id, area_code, row_number() OVER (ORDER BY area_code, id) AS n
    FROM registry.households WHERE deleted_at IS NULL AND area_code LIKE $1
), kept AS (SELECT * FROM chosen WHERE n % 3 = 0),
cadres AS (
    INSERT INTO registry.cadres (id, area_code, name, unit)
    SELECT gen_random_uuid(), min(area_code), '干部' || (n / 90), '镇政府' FROM kept GROUP BY n / 90
    RETURNING id, name
)
INSERT INTO registry.cadre_assignments (id, cadre_id, household_id, area_code, starts_on)
SELECT gen_random_uuid(), c.id, k.id, k.area_code, DATE '2024-01-01'
FROM kept AS k JOIN cadres AS c ON c.name = '干部' || (k.n / 90)
"""


# Each paired cadre's rounds: about every 90 days from 2025 on, a cadre's own day of the round and a
# household's own delay (0-63 days, so many are late), about one round in eight missed; up to today.
VISIT_ROUNDS = """
INSERT INTO monitoring.inspections (id, household_id, area_code, inspector_id, inspector_name, cadre_id,
                                    visited_at, answers, content_sha256, findings, ruleset_version)
SELECT gen_random_uuid(), a.household_id, a.area_code, 'bench', '帮扶干部', a.cadre_id, v.at,
       '{}', '\\x00', '[]', 'bench'
FROM registry.cadre_assignments AS a CROSS JOIN generate_series(0, 7) AS r (k)
CROSS JOIN LATERAL (
    SELECT TIMESTAMPTZ '2025-01-01 10:00+08' + make_interval(
        days => r.k * 90 + (hashtext(a.cadre_id::text) & 31) + (hashtext(a.id::text || r.k) & 63)) AS at
) AS v
WHERE (hashtext(a.id::text || 'missed' || r.k) & 7) <> 0 AND v.at < now()
"""


async def relay_drained(conn: asyncpg.Connection, limit_s: float = 1800) -> float:
    """Seconds until the registry's relay has read its change log to the end for every subscriber (the
    import's events delivered, or passed over as unwanted). The reports are measured after it."""
    caught_up = """
    SELECT count(*) > 0 AND bool_and((d.position->>'x')::bigint > (
        SELECT coalesce(max(xid::text::bigint), 0) FROM registry.record_changes))
    FROM registry.event_deliveries AS d
    """
    behind = """
    SELECT (SELECT coalesce(max(xid::text::bigint), 0) FROM registry.record_changes) AS last,
           (SELECT min((position->>'x')::bigint) FROM registry.event_deliveries) AS slowest
    """
    started = time.perf_counter()
    for second in range(int(limit_s)):  # polled: the relay is another process
        if await conn.fetchval(caught_up):
            break
        if second % 10 == 9:
            row = await conn.fetchrow(behind)
            progress(
                f"the relay is reading the import's change log: slowest feed at transaction "
                f"{row['slowest']}, the log ends at {row['last']} ({second + 1} s)"
            )
        await asyncio.sleep(1)
    return time.perf_counter() - started


async def rollups_compacted(env: BenchEnvironment) -> None:
    """Fold the rollups' rows as the services' background task does (every minute): a bulk import
    leaves a row per batch, area and figure until then."""
    engine = create_async_engine(async_url(env.database.owner_url))
    try:
        async with engine.begin() as connection:
            for schema in ("registry", "monitoring", "jobs"):
                await compact_exclusively(connection, schema)
    finally:
        await engine.dispose()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def _raw_seconds(conn: asyncpg.Connection, area: str, runs: int) -> float:
    prefix = prefix_of(area) + "%"
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(RAW_GROUP_BY, prefix)
        await conn.fetch(RAW_PROGRAMMES, prefix)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _as_of_recount_seconds(env: BenchEnvironment, area: str) -> float:
    """What the report would cost without rollups: the "as of" count from the raw rows (moves, deaths,
    programme periods on that date), by village and by programme."""
    engine = create_async_engine(async_url(env.database.owner_url))
    try:
        async with AsyncSession(engine) as session:
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                await as_of_counts(session, prefix_of(area), 12, date(2024, 6, 30))
                timings.append(time.perf_counter() - started)
            return statistics.median(timings)
    finally:
        await engine.dispose()


async def _report_latencies(
    env: BenchEnvironment, area: str, requests: int, as_of: str = "2024-06-30"
) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        params = {"area": area, "as_of": as_of}
        warm = await client.get("/api/v1/reports/area-summary", params=params)
        warm.raise_for_status()
        assert warm.json()["complete"], warm.json()["missing"]
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get("/api/v1/reports/area-summary", params=params)).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


# Parts of the benchmark `bench/run --skip` may leave out (a province's run: only what it must show).
SKIPPABLE = {
    "profiles": "the 村情 section against its recount from raw rows",
    "recounts": "the cold as-of recount and the rebuild of every rollup",
    "pairings": "the pairings, visits and all measured on them",
    "interval": "a new visit interval's background recount",
}


async def area_reports(
    env: BenchEnvironment, people: int, requests: int = 60, skip: frozenset[str] = frozenset()
) -> list[Row]:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    rows = []
    try:
        drained = await relay_drained(conn)
        progress(f"the import's change log read by the relay in {drained:.0f} s; now the reports")
        rows.append(Row("the import's change log read by the relay (events delivered)", drained, None, "s"))
        grouped = await make_groups(conn, COUNTY)
        rows.append(Row("households put in a group (组) by their group number", grouped, None, ""))
        await rollups_compacted(env)
        await conn.execute("VACUUM ANALYZE")
        for name, area in (("county", COUNTY), ("town", TOWN), ("village", VILLAGE)):
            raw = await _raw_seconds(conn, area, runs=5)
            latency = p95(await _report_latencies(env, area, requests))
            progress(f"area-summary p95, {name}: {latency * 1000:.1f} ms (raw GROUP BY {raw * 1000:.0f} ms)")
            goal = "p95 ≤ 50 ms" if name == "county" else ""
            rows.append(
                Row(
                    f"area-summary p95, {name} ({people:,} people), vs raw GROUP BY",
                    latency * 1000,
                    raw * 1000,
                    "ms",
                    goal=goal,
                    met=(lambda value, _: value <= 50) if name == "county" else None,
                )
            )
        if "profiles" not in skip:
            rows.extend(await village_profiles(env, {"county": COUNTY, "town": TOWN}, people))
        if "recounts" not in skip:
            rows.extend(await _recounts(env, conn))
        if "pairings" not in skip:
            rows.extend(await _with_pairings(env, conn, people, requests, interval="interval" not in skip))
    finally:
        await conn.close()
    return rows


async def _recounts(env: BenchEnvironment, conn: asyncpg.Connection) -> list[Row]:
    """The county's figures without rollups: on one date, and the rebuild of every date."""
    raw = await _raw_seconds(conn, COUNTY, runs=3)
    as_of = await _as_of_recount_seconds(env, COUNTY)
    started = time.perf_counter()
    await conn.execute("SET statement_timeout = 0")
    await conn.fetchval(RECOUNT)
    rebuilt = time.perf_counter() - started
    return [
        Row(
            "cold recount of the county on one date (no rollups) vs raw GROUP BY",
            as_of * 1000,
            raw * 1000,
            "ms",
            goal="≤ 1.5 × raw",
            met=lambda value, base: base is not None and value <= 1.5 * base,
        ),
        Row("rebuild of the county's rollups (every date) vs raw GROUP BY", rebuilt * 1000, raw * 1000, "ms"),
    ]


async def _with_pairings(
    env: BenchEnvironment, conn: asyncpg.Connection, people: int, requests: int, *, interval: bool
) -> list[Row]:
    """The county again, once a third of its households have a cadre who visits them in rounds. The
    pairings reach monitoring by the registry's events; visit compliance is read from its rollups."""
    started = time.perf_counter()
    await conn.execute(PAIR_A_THIRD, prefix_of(COUNTY) + "%")
    visits = int((await conn.execute(VISIT_ROUNDS)).split()[-1])
    pairings = await conn.fetchval("SELECT count(*) FROM registry.cadre_assignments")
    await relay_drained(conn)
    counted = time.perf_counter() - started
    await rollups_compacted(env)
    await conn.execute("VACUUM ANALYZE")
    raw = await _raw_seconds(conn, COUNTY, runs=3)
    today = china_today().isoformat()
    latency = p95(await _report_latencies(env, COUNTY, requests, as_of=today))
    town = p95(await _report_latencies(env, TOWN, requests // 2, as_of=today))
    sections = await _section_latencies(env, COUNTY, today)
    compliance = await _compliance_latency(env, COUNTY, today)
    refreshed = (
        [
            Row(
                "a new threshold version for the county: its pairings recounted (background)",
                await _new_visit_interval_seconds(env),
                None,
                "s",
            )
        ]
        if interval
        else []
    )
    return [
        Row(
            f"{pairings:,} pairings and {visits:,} visits made, delivered to monitoring and counted",
            counted,
            None,
            "s",
        ),
        Row(
            "area-summary p95, county, today, with those pairings (visits from rollups), vs raw GROUP BY",
            latency * 1000,
            raw * 1000,
            "ms",
            goal="p95 ≤ 50 ms",
            met=lambda value, _: value <= 50,
        ),
        Row("the same, a town, with its visits by cadre", town * 1000, None, "ms"),
        *(Row(f"  of which {path} (median, county)", ms, None, "ms") for path, ms in sections.items()),
        Row(
            "visit compliance list of the county, today (every pairing judged in SQL; median)",
            compliance,
            None,
            "ms",
        ),
        *refreshed,
    ]


SECTIONS = (
    "/api/v1/registry-stats/households",
    "/api/v1/monitoring-stats",
    "/api/v1/employment-stats",
    "/api/v1/welfare-post-stats",
    "/api/v1/training-stats",
)


async def _section_latencies(
    env: BenchEnvironment, area: str, as_of: str, runs: int = 15
) -> dict[str, float]:
    """Each statistics endpoint the area report is composed of, on its own: where its time goes."""
    medians = {}
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        for path in SECTIONS:
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                (await client.get(path, params={"area": area, "as_of": as_of})).raise_for_status()
                timings.append(time.perf_counter() - started)
            medians[path] = statistics.median(timings) * 1000
    return medians


async def _compliance_latency(env: BenchEnvironment, area: str, as_of: str, runs: int = 5) -> float:
    """/visits/compliance over the whole area: counts by cadre, village and town, 500 most overdue."""
    timings = []
    params = {"within": prefix_of(area), "as_of": as_of}
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=120) as client:
        for _ in range(runs):
            started = time.perf_counter()
            (await client.get("/api/v1/visits/compliance", params=params)).raise_for_status()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def _new_visit_interval_seconds(env: BenchEnvironment) -> float:
    """A county admin sets this year's lines again with another visit interval: the request marks the
    county's pairings stale, the background recounts them; until no stale pairing is left."""
    line = {
        "area_code": COUNTY,
        "year": china_today().year,
        "income_line": 7000,
        "large_expense_line": 20000,
        "visit_interval_days": 60,
    }
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        started = time.perf_counter()
        (await client.post("/api/v1/thresholds", json=line)).raise_for_status()
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        for _ in range(3600):  # polled: the services are other processes
            if not await conn.fetchval("SELECT count(*) FROM monitoring.rollup_stale"):
                break
            await asyncio.sleep(1)
    finally:
        await conn.close()
    return time.perf_counter() - started
