"""The county's day with locust as a library (no web UI):  python -m bench.day.load PLAN RESULT

First a quiet spell: one phone, one office user and the bureau acting every quarter second on a
machine doing nothing else; each kind's p95 there is the baseline. Then the day: the office users,
the bureau and the importer from the start, phones added step by step, the import uploaded part way
through. Every request is tallied by the step it ended in; at the end the users finish what they are
doing (a batch sent is answered), and the result is written as JSON for run.py.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import gevent
from locust import constant
from locust.env import Environment
from locust.stats import StatsEntry

from bench.day import GOALS_MS
from bench.day.users import DAY, Bureau, Importer, Office, Phone

QUIET_S, QUIET_WAIT_S = 30, 0.25
SPAWN_RATE = 1  # phones started per second when a step adds some: a morning, not one instant
STOP_TIMEOUT_S = 120  # users finish the round they are in (and its resends) before the day ends


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else 0.0


class StepTally:
    """Each request's time and status by the step it ended in (locust's own stats hold the whole day)."""

    def __init__(self) -> None:
        self.step: int | None = None
        self.times: list[dict[str, list[float]]] = []
        self.server_errors: list[int] = []
        self.day_server_errors: defaultdict[str, int] = defaultdict(int)

    def begin(self, step: int | None) -> None:
        self.step = step
        if step is not None:
            self.times.append(defaultdict(list))
            self.server_errors.append(0)

    def on_request(self, name: str, response_time: float, response: Any = None, **_: Any) -> None:
        status = getattr(response, "status_code", 0) or 0
        if status >= 500:
            self.day_server_errors[name] += 1
        if self.step is not None:
            self.times[self.step][name].append(response_time)
            self.server_errors[self.step] += status >= 500


def percentiles(entry: StatsEntry) -> dict[str, float]:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        **{f"p{q}": entry.get_response_time_percentile(q / 100) for q in (50, 95, 99)},
    }


def quiet_spell() -> dict[str, float]:
    """Each kind's p95 with one user of each kind on an idle machine."""
    quiet = [
        type(f"Quiet{kind.__name__}", (kind,), {"wait_time": constant(QUIET_WAIT_S), "fixed_count": 1})
        for kind in (Phone, Office, Bureau)
    ]
    env = Environment(user_classes=quiet, host=DAY.plan["gateway"], stop_timeout=STOP_TIMEOUT_S)
    runner = env.create_local_runner()
    runner.start(len(quiet), spawn_rate=len(quiet))
    gevent.sleep(QUIET_S)
    runner.stop()
    runner.quit()
    DAY.taken.clear()  # the day hands the same accounts out again
    return {name: entry.get_response_time_percentile(0.95) for (name, _), entry in env.stats.entries.items()}


def the_day(tally: StepTally) -> dict[str, Any]:
    extra = DAY.plan["extra"]
    Office.fixed_count, Bureau.fixed_count, Importer.fixed_count = len(DAY.plan["offices"]), 1, 1
    fixed = Office.fixed_count + 2
    env = Environment(
        user_classes=[Phone, Office, Bureau, Importer], host=DAY.plan["gateway"], stop_timeout=STOP_TIMEOUT_S
    )
    env.events.request.add_listener(tally.on_request)
    runner = env.create_local_runner()
    DAY.day_started = time.monotonic()
    windows = []
    for index, phones in enumerate(extra["steps"]):
        tally.begin(index)
        started = time.monotonic()
        runner.start(phones + fixed, spawn_rate=SPAWN_RATE)
        gevent.sleep(extra["step_s"])
        windows.append((started, time.monotonic(), os.getloadavg()[0]))
        line = f"{step_line(phones, tally, index)}; load average {windows[-1][2]:.1f}"
        print(f"  … day: {line}", file=sys.stderr, flush=True)
    tally.begin(None)
    runner.stop()
    kinds = {name: percentiles(entry) for (name, _), entry in env.stats.entries.items()}
    errors = {f"{error.name}: {error.error}": error.occurrences for error in env.stats.errors.values()}
    runner.quit()
    return {"kinds": kinds, "errors": errors, "windows": windows}


def step_line(phones: int, tally: StepTally, index: int) -> str:
    times = tally.times[index]
    figures = ", ".join(f"{name} {p95(times[name]):.0f}" for name in GOALS_MS if times[name])
    return f"{phones} phones: p95 ms {figures}; {tally.server_errors[index]} 5xx"


def main(plan_path: Path, result_path: Path) -> None:
    DAY.plan = json.loads(plan_path.read_text())
    baseline = quiet_spell()
    tally = StepTally()
    day = the_day(tally)
    job = DAY.import_job
    steps = [
        {
            "phones": phones,
            "p95": {name: p95(values) for name, values in tally.times[index].items()},
            "requests": {name: len(values) for name, values in tally.times[index].items()},
            "server_errors": tally.server_errors[index],
            "load_average": load,  # the machine's, at the step's end: the day shares it with other work
            "importing": bool(job)
            and job["uploaded"] < end
            and job.get("ended", math.inf) > start,  # the import ran during the step
        }
        for index, (phones, (start, end, load)) in enumerate(
            zip(DAY.plan["extra"]["steps"], day["windows"], strict=True)
        )
    ]
    result = {
        "baseline": baseline,
        "kinds": day["kinds"],
        "server_errors": dict(tally.day_server_errors),
        "errors": day["errors"],
        "steps": steps,
        "acknowledged": sorted(DAY.acknowledged),
        "sent": len(DAY.sent),
        "refused": dict(DAY.refused),
        "lost_answers": DAY.lost_answers,
        "resends": DAY.resends,
        "import": {k: v for k, v in job.items() if k not in ("errors",)},
    }
    result_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
