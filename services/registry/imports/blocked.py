"""Rows the database refuses (a household or person of another area, a deleted household, or 户类别
监测户 of a household no case has made one), and which of those refusals tell the caller of something
registered outside its area: those are disclosures, answered only while the caller has some left (see
services/registry/disclosures)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.registry.disclosures import Disclosure
from services.registry.imports.columns import BY_HEADER
from services.registry.imports.validate import Header, ImportRow, RowError
from services.registry.programmes.monitored import FOLLOWS_CASES

MONITORED_ROW = "户类别 监测户 of a household that is not one through its case. " + FOLLOWS_CASES


@dataclass
class Blocked:
    errors: dict[int, list[RowError]] = field(default_factory=dict)  # by row number
    # Each record outside the caller's area that the errors name, once, in the order of its first row.
    disclosures: list[Disclosure] = field(default_factory=list)
    told: dict[int, int] = field(default_factory=dict)  # row -> its disclosure's place in the list

    def answered(self, granted: int) -> dict[int, list[RowError]]:
        """The errors of the rows whose disclosure is among the first ``granted``; no other row's."""
        return {row: errors for row, errors in self.errors.items() if self.told.get(row, granted) < granted}

    def tell(
        self, row: int, key: tuple[str, str], disclosure: Disclosure, seen: dict[tuple[str, str], int]
    ) -> None:
        if key not in seen:
            seen[key] = len(self.disclosures)
            self.disclosures.append(disclosure)
        self.told[row] = seen[key]


def blocked_rows(
    batch: Sequence[tuple[ImportRow, bytes]],
    households: Sequence[Any],
    people: Sequence[Any],
    header: Header,
    scope_prefix: str,
) -> Blocked:
    """What the database refused of ``batch``: a household refuses all its rows; a person its own."""
    by_row = {row.row: row for row, _ in batch}
    blocked, seen = Blocked(), dict[tuple[str, str], int]()
    in_the_way = {by_row[r["row"]].household["household_number"]: r for r in households}
    for row, _ in batch:
        record = in_the_way.get(row.household["household_number"])
        if record is None:
            continue
        if record["why"] == "monitored":  # inside the area (or new): nothing to disclose
            column = header.name(BY_HEADER["category"])
            blocked.errors[row.row] = [RowError(row.row, column, MONITORED_ROW, "category_follows_cases")]
            continue
        reason = (
            "This household number belongs to a household that was deleted"
            if record["why"] == "deleted"
            else "This household number is registered outside your area"
        )
        column = header.name(BY_HEADER["household_number"])
        blocked.errors[row.row] = [RowError(row.row, column, reason, f"household_{record['why']}")]
        if not record["area_code"].startswith(scope_prefix):
            told = Disclosure.household(record["id"], record["area_code"], row=row.row)
            blocked.tell(row.row, ("household", str(record["id"])), told, seen)
    column = header.name(BY_HEADER["national_id"])
    for record in sorted(people, key=lambda r: r["row"]):
        number = record["row"]
        if number in blocked.errors:
            continue
        reason = "This ID number belongs to a living person registered outside your area"
        blocked.errors[number] = [RowError(number, column, reason, "national_id_registered")]
        told = Disclosure.person(record["id"], record["area_code"], row=number)
        blocked.tell(number, ("person", str(record["id"])), told, seen)
    _in_row_order(blocked)
    return blocked


def _in_row_order(blocked: Blocked) -> None:
    """Households were told first, people after: put the disclosures in the order of their rows, so
    that an allowance running out answers the file's earlier rows."""
    first_row: dict[int, int] = {}
    for row, place in sorted(blocked.told.items()):
        first_row.setdefault(place, row)
    order = sorted(range(len(blocked.disclosures)), key=lambda place: first_row[place])
    renumber = {old: new for new, old in enumerate(order)}
    blocked.disclosures = [blocked.disclosures[old] for old in order]
    blocked.told = {row: renumber[place] for row, place in blocked.told.items()}
