"""Periods of holding a post (both ends inclusive; no end: open) and how many overlap at the busiest
moment. Pure, so the capacity rule reads in one place and is tested alone.

A new assignment fits a post when, on every day of its period, fewer than ``capacity`` others are held.
Counting every assignment that overlaps the period would refuse a place that two people hold one after
the other; the busiest day is what matters. That day is always the period's first day or a day on which
another assignment starts, so only those days need counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date | None  # inclusive; None: open-ended

    def holds(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, other: Period) -> bool:
        return (other.ends_on is None or self.starts_on <= other.ends_on) and (
            self.ends_on is None or other.starts_on <= self.ends_on
        )


def busiest_day(window: Period, periods: Iterable[Period]) -> tuple[date, int]:
    """The day within ``window`` on which most of ``periods`` are held, and how many (earliest on ties)."""
    overlapping: Sequence[Period] = [p for p in periods if p.overlaps(window)]
    candidates = {window.starts_on} | {p.starts_on for p in overlapping if window.holds(p.starts_on)}
    best_day, best = window.starts_on, 0
    for day in sorted(candidates):
        held = sum(1 for p in overlapping if p.holds(day))
        if held > best:
            best_day, best = day, held
    return best_day, best
