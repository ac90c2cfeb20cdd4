"""Import files for tests and benchmarks: synthetic households written as the ledgers' CSV or XLSX."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook

from fangpin.synthetic import Generator, SyntheticHousehold
from services.registry.imports.columns import header_row

YES_NO = {True: "是", False: "否", None: ""}


def person_rows(households: Iterable[SyntheticHousehold]) -> Iterator[list[str]]:
    for h in households:
        for p in h.members:
            yield [
                h.number, h.village_code, str(h.group_no), h.address, h.phone, h.housing_type,
                h.housing_grade, h.drinking_water, str(h.cultivated_land_mu), str(h.forest_land_mu),
                h.category,
                str(h.poverty_exit_year or ""), "2023-01-01", p.name, p.national_id, p.relation, p.health,
                str(p.disability_grade or ""), p.labour_ability, p.schooling, YES_NO[p.medical_insured],
                "", "", "",
            ]  # fmt: skip


def synthetic_rows(villages: list[str], people: int, seed: int = 7) -> list[list[str]]:
    """At least ``people`` person rows spread over the villages (whole households, so a few more)."""
    generator, rows, serial = Generator(seed), [], 1
    while len(rows) < people:
        village = villages[serial % len(villages)]
        rows.extend(person_rows([generator.household(village, serial)]))
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
