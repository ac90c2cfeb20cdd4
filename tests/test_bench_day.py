"""The county's day load test (bench/day): its schedule and how the phones served are judged.

The day itself runs for minutes under locust (`bench/run --only day`); these check only its arithmetic.
"""

from __future__ import annotations

from typing import Any

from bench.day import GOALS_MS, PHONE_GOALS_MS
from bench.day.run import held, phones_served, schedule


def step(phones: int, slow: str | None = None, server_errors: int = 0) -> dict[str, Any]:
    p95 = {name: goal - 1 for name, goal in GOALS_MS.items()}
    if slow:
        p95[slow] = GOALS_MS[slow] + 1
    return {"phones": phones, "p95": p95, "server_errors": server_errors}


def test_a_day_is_ten_steps_of_at_least_half_a_minute() -> None:
    assert schedule(10, 20) == ([20, 40, 60, 80, 100, 120, 140, 160, 180, 200], 60)
    assert schedule(2, 10) == ([10, 20, 30, 40], 30)
    assert schedule(0.2, 5) == ([5], 30)


def test_phones_served_is_the_most_phones_of_a_step_that_held() -> None:
    assert phones_served([step(10), step(20), step(30)]) == 30
    assert phones_served([step(10), step(20), step(30, slow="visits batch")]) == 20
    assert phones_served([step(10, slow="sync page"), step(20), step(30, server_errors=1)]) == 20
    assert phones_served([step(10, slow="area report")]) == 0
    assert phones_served([step(10, slow="area report")], PHONE_GOALS_MS) == 10


def test_a_kind_the_step_never_asked_for_misses_nothing() -> None:
    quiet = step(10)
    del quiet["p95"]["area report"]
    assert held(quiet)
