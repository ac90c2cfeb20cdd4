"""The county of the day, made before it starts: its villages, a ledger of households imported, a third
of them paired with cadres, a monitoring line, one account per phone and per office user, the bureau's
ID numbers and the file the county office imports in the middle of the day.

Accounts are made with a cheap password hash (FANGPIN_GATEWAY_PASSWORD_HASH_*, set by run.py): nobody
signs in during the day (phones keep their token, as they keep a refresh token), so the hash's cost is
only time spent before it.
"""

from __future__ import annotations

import asyncio
import csv
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.environment import BenchEnvironment
from bench.imports import COUNTY_CHAIN, run_import, villages, write_county
from bench.report import progress
from bench.reports import PAIR_A_THIRD, relay_drained, rollups_compacted
from fangpin.synthetic import Generator
from services.common.calendar import china_today
from tests.support.database import libpq_url

COUNTY = COUNTY_CHAIN[-1][0]
VILLAGES = [code for code, _ in villages()[:60]]  # four towns of 15 villages
TOWNS = sorted({code[:9] + "000" for code in VILLAGES})
MIDDAY_FIRST_NUMBER = 5001  # the middle import's household numbers, after every one imported before
PASSWORD = "day password 0001"
NATIONAL_ID_COLUMN = 14
BUREAU_SAMPLE = 5_000


@dataclass
class Account:
    username: str
    role: str
    area_code: str
    token: str = ""


@dataclass
class Plan:
    """Everything the load process needs, written as JSON for it."""

    gateway: str
    phones: list[Account]
    offices: list[Account]
    bureau: Account
    importer: Account
    villages: list[str]
    pairings: dict[str, dict[str, str]]  # village -> household id -> paired cadre id
    national_ids: list[str]
    midday_file: str
    midday_people: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def prepare_county(
    env: BenchEnvironment, workdir: Path, people: int, midday_people: int, phones: int
) -> Plan:
    await _make_areas(env)
    await _set_threshold(env)
    generator = Generator(2026)  # one generator for both files: no ID number in both
    base, midday = workdir / "day-county.csv", workdir / "day-midday.csv"
    rows = await asyncio.to_thread(write_county, base, people, VILLAGES, generator)
    midday_rows = await asyncio.to_thread(
        write_county, midday, midday_people, VILLAGES, generator, MIDDAY_FIRST_NUMBER
    )
    progress(f"day: importing the county's {rows:,} people ({len(VILLAGES)} villages)")
    await asyncio.to_thread(run_import, env.database, env.keys, base)
    pairings = await _settle_and_pair(env)
    plan = Plan(
        gateway=env.gateway,
        phones=[
            Account(f"phone-{n:04d}", "village_cadre", VILLAGES[n % len(VILLAGES)]) for n in range(phones)
        ],
        offices=[Account("office-county", "county_admin", COUNTY)]
        + [Account(f"office-{town[6:9]}-{n}", "town_reviewer", town) for town in TOWNS for n in (1, 2)],
        bureau=Account("bureau-medical", "bureau_partner", COUNTY),
        importer=Account("office-import", "county_admin", COUNTY),
        villages=VILLAGES,
        pairings=pairings,
        national_ids=_national_ids(base),
        midday_file=str(midday),
        midday_people=midday_rows,
    )
    progress(f"day: {len(plan.phones) + len(plan.offices) + 2} accounts signing in")
    await _sign_in_everyone(env, [*plan.phones, *plan.offices, plan.bureau, plan.importer])
    return plan


async def _make_areas(env: BenchEnvironment) -> None:
    names = dict(villages())
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        chain = [*COUNTY_CHAIN, *((town, f"{town[6:9]}镇") for town in TOWNS)]
        for code, name in [*chain, *((village, names[village]) for village in VILLAGES)]:
            (await client.post("/api/v1/areas", json={"code": code, "name": name})).raise_for_status()


async def _set_threshold(env: BenchEnvironment) -> None:
    """This year's line for the county: the phones' visits are judged against it."""
    line = {"area_code": COUNTY, "year": china_today().year, "income_line": 7000, "large_expense_line": 20000}
    async with httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as client:
        (await client.post("/api/v1/thresholds", json=line)).raise_for_status()


async def _settle_and_pair(env: BenchEnvironment) -> dict[str, dict[str, str]]:
    """A third of the households paired with cadres (the visits name them), then the import's and the
    pairings' events delivered and the rollups folded, as hours later would find them."""
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        await conn.execute(PAIR_A_THIRD, COUNTY[:6] + "%")
        await relay_drained(conn)
        await rollups_compacted(env)
        await conn.execute("VACUUM ANALYZE")
        pairs = await conn.fetch("SELECT household_id, cadre_id, area_code FROM registry.cadre_assignments")
    finally:
        await conn.close()
    pairings: dict[str, dict[str, str]] = {village: {} for village in VILLAGES}
    for pair in pairs:
        pairings[pair["area_code"]][str(pair["household_id"])] = str(pair["cadre_id"])
    return pairings


def _national_ids(path: Path) -> list[str]:
    """A sample of the county's people as the medical insurance bureau knows them."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        numbers = [row[NATIONAL_ID_COLUMN] for row in reader]
    return random.Random(26).sample(numbers, min(BUREAU_SAMPLE, len(numbers)))


async def _sign_in_everyone(env: BenchEnvironment, accounts: list[Account]) -> None:
    gate = asyncio.Semaphore(8)
    async with (
        httpx.AsyncClient(base_url=env.gateway, headers=env.admin_headers, timeout=60) as admin,
        httpx.AsyncClient(base_url=env.gateway, timeout=60) as anyone,
    ):

        async def sign_in(account: Account) -> None:
            async with gate:
                user = {"username": account.username, "display_name": account.username}
                user |= {"password": PASSWORD, "role": account.role, "area_code": account.area_code}
                (await admin.post("/api/v1/users", json=user)).raise_for_status()
                form = {"grant_type": "password", "username": account.username, "password": PASSWORD}
                answer = await anyone.post("/api/v1/auth/token", data=form)
                answer.raise_for_status()
                account.token = answer.json()["access_token"]

        await asyncio.gather(*(sign_in(account) for account in accounts))
