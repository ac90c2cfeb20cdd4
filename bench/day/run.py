"""A county's real day against `fangpin serve` (every part in one process) on a fresh database.

The day is divided in ten steps (at least 30 s each); each adds the same number of phones. The phones
served is the phone count of the busiest step in which every p95 goal held and nothing answered 5xx,
with the office users, the bureau and (in some steps) the import running too; the steps that missed
are named beside it, so a noisy machine shows. A phone acts every 10-20 s (sync, a batch of 20-50
visits, a photo one round in five): a real phone does that a few times a day, so one phone here stands
for hundreds in the field.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.day import GOALS_MS, PHONE_GOALS_MS
from bench.day.county import Plan, prepare_county
from bench.environment import BenchEnvironment
from bench.report import Row, progress
from tests.support.database import libpq_url

BASE_PEOPLE = 80_000  # 60 villages of about 380 households and 1,300 people, as 黄金村's size
MIDDAY_PEOPLE_PER_MINUTE = 8_000
STEPS, MIN_STEP_S = 10, 30
CHEAP_HASH = {
    "FANGPIN_GATEWAY_PASSWORD_HASH_TIME_COST": "1",
    "FANGPIN_GATEWAY_PASSWORD_HASH_MEMORY_KIB": "1024",
}


def schedule(minutes: float, phones_per_step: int) -> tuple[list[int], float]:
    """The phones of each step and a step's length in seconds."""
    step_s = max(MIN_STEP_S, minutes * 60 / STEPS)
    steps = max(1, round(minutes * 60 / step_s))
    return [phones_per_step * (n + 1) for n in range(steps)], step_s


async def county_day(server: str, workdir: Path, minutes: float, phones_per_step: int) -> list[Row]:
    steps, step_s = schedule(minutes, phones_per_step)
    async with BenchEnvironment.start(server, workdir, whole=True, **CHEAP_HASH) as env:
        midday = round(MIDDAY_PEOPLE_PER_MINUTE * minutes)
        plan = await prepare_county(env, workdir, BASE_PEOPLE, midday, phones=steps[-1])
        plan.extra = {"steps": steps, "step_s": step_s, "import_at_s": 0.3 * minutes * 60}
        result = await asyncio.to_thread(_run_load, plan, workdir)
        stored = await _stored_visits(env)
    return day_rows(result, stored, plan, step_s)


def _run_load(plan: Plan, workdir: Path) -> dict[str, Any]:
    plan_path, result_path = workdir / "day-plan.json", workdir / "day-result.json"
    plan_path.write_text(json.dumps(plan.as_json()))
    progress(f"day: a quiet spell, then {len(plan.extra['steps'])} steps of {plan.extra['step_s']:.0f} s")
    command = [sys.executable, "-m", "bench.day.load", str(plan_path), str(result_path)]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    return json.loads(result_path.read_text())


async def _stored_visits(env: BenchEnvironment) -> set[str]:
    conn = await asyncpg.connect(libpq_url(env.database.owner_url))
    try:
        return {str(row["id"]) for row in await conn.fetch("SELECT id FROM monitoring.inspections")}
    finally:
        await conn.close()


def held(step: dict[str, Any], goals: dict[str, float] = GOALS_MS) -> bool:
    within = all(step["p95"].get(name, 0) <= goal for name, goal in goals.items())
    return within and step["server_errors"] == 0


def phones_served(steps: list[dict[str, Any]], goals: dict[str, float] = GOALS_MS) -> int:
    """The most phones of a step that held the goals (0: none did)."""
    return max((step["phones"] for step in steps if held(step, goals)), default=0)


def day_rows(result: dict[str, Any], stored: set[str], plan: Plan, step_s: float) -> list[Row]:
    rows = []
    for name, kind in sorted(result["kinds"].items(), key=lambda item: -item[1]["requests"]):
        goal = GOALS_MS.get(name)
        figure = (
            f"day: {name} p95 (p50 {kind['p50']:,.0f}, p99 {kind['p99']:,.0f} ms; "
            f"{kind['requests']:,} requests, {kind['failures']} errors) vs the quiet spell"
        )
        rows.append(
            Row(
                figure,
                kind["p95"],
                result["baseline"].get(name),
                "ms",
                goal=f"p95 ≤ {goal:.0f} ms" if goal else "",
                met=(lambda value, _, goal=goal: value <= goal) if goal else None,
            )
        )
    server_errors = sum(result["server_errors"].values())
    by_kind = ", ".join(f"{name} {count}" for name, count in result["server_errors"].items())
    rows.append(
        Row(
            f"day: 5xx answers ({by_kind or 'none'})",
            server_errors,
            None,
            "answers",
            goal="0",
            met=lambda value, _: value == 0,
        )
    )
    acknowledged = set(result["acknowledged"])
    missing = acknowledged - stored
    rows.append(
        Row(
            f"day: visits stored vs acknowledged ({len(missing)} acknowledged not stored; {result['sent']:,} "
            f"sent, {result['lost_answers']:,} answers lost, {result['resends']:,} resends, "
            f"refused {result['refused'] or 'none'})",
            len(stored),
            len(acknowledged),
            "visits",
            goal="stored = acknowledged",
            met=lambda value, base: not missing and value == base,
        )
    )
    rows.append(_import_row(result["import"]))
    steps = result["steps"]
    loads = [step["load_average"] for step in steps]
    rows.append(
        Row(
            f"day: the machine's 1-minute load average at each step's end (2 cores; top {max(loads):.1f})",
            sum(loads) / len(loads),
            None,
            "",
        )
    )
    for goals, which in ((GOALS_MS, "every p95 goal"), (PHONE_GOALS_MS, "the phones' p95 goals")):
        missed = [str(step["phones"]) for step in steps if not held(step, goals)]
        rows.append(
            Row(
                f"day: phones served with {which} and no 5xx (steps of {steps[0]['phones']} phones "
                f"every {step_s:.0f} s up to {steps[-1]['phones']}; missed at {', '.join(missed) or 'none'})",
                phones_served(steps, goals),
                None,
                "phones",
                goal="goals held",
                met=lambda value, _: value > 0,
            )
        )
    for error, count in result["errors"].items():
        progress(f"day error ×{count}: {error[:300]}")
    for step in steps:
        missed = [name for name, goal in GOALS_MS.items() if step["p95"].get(name, 0) > goal]
        note = "import running; " if step["importing"] else ""
        verdict = "held" if held(step) else f"missed {missed}"
        progress(f"day step of {step['phones']} phones (load {step['load_average']:.1f}): {note}{verdict}")
    return rows


def _import_row(job: dict[str, Any]) -> Row:
    if not job.get("finished_at") or not job.get("started_at"):
        return Row(f"day: the middle import ({job.get('status', 'not started')})", 0, None, "rows/s")
    seconds = (
        datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
    ).total_seconds()
    return Row(
        f"day: the middle import through the API, {job['rows_ok']:,} people, {job['status']} "
        f"({job['rows_bad']} refused) in {seconds:.0f} s",
        job["rows_ok"] / max(seconds, 0.001),
        None,
        "rows/s",
    )
