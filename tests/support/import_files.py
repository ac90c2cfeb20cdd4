"""Import files for tests and benchmarks: synthetic households written as the ledgers' CSV or XLSX."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from fangpin.synthetic import Generator, import_rows
from services.registry.imports.columns import header_row


def synthetic_rows(villages: list[str], people: int, seed: int = 7) -> list[list[str]]:
    """At least ``people`` person rows spread over the villages (whole households, so a few more)."""
    generator, rows, serial = Generator(seed), [], 1
    while len(rows) < people:
        village = villages[serial % len(villages)]
        rows.extend(import_rows(generator.household(village, serial), date(2023, 1, 1)))
        serial += 1
    return rows


def write_csv(path: Path, rows: Iterable[list[str]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or header_row())
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Iterable[list[str]], header: list[str] | None = None) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("户籍")
    sheet.append(header or header_row())
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
