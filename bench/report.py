"""One table for every benchmark: figure, value, baseline, ratio, goal, met or not."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    figure: str
    value: float
    baseline: float | None
    unit: str
    goal: str = ""
    met: Callable[[float, float | None], bool] | None = None

    @property
    def ratio(self) -> str:
        if not self.baseline:
            return ""
        return f"{self.value / self.baseline:.2f}"

    @property
    def verdict(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met(self.value, self.baseline) else "NOT met"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if value >= 100 or float(value).is_integer():  # counts and large figures: no decimals
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def print_table(rows: list[Row], title: str) -> None:
    header = ("figure", "value", "baseline", "ratio", "goal", "met")
    table = [header] + [
        (r.figure, _fmt(r.value, r.unit), _fmt(r.baseline, r.unit), r.ratio, r.goal, r.verdict) for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(table):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def announce(rows: list[Row]) -> list[Row]:
    """Print a benchmark's figures as soon as it finishes (the table comes at the end): a long run is
    never silent, and an interrupted one keeps what it measured."""
    for r in rows:
        parts = [_fmt(r.value, r.unit)]
        if r.baseline:
            parts.append(f"baseline {_fmt(r.baseline, r.unit)}, ratio {r.ratio}")
        if r.goal:
            parts.append(f"goal {r.goal}: {r.verdict}")
        print(f"  {r.figure}: {'; '.join(parts)}", file=sys.stderr, flush=True)
    return rows


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)
