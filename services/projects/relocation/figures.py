"""A settlement's figures as of a date, from its records (never typed): households planned by unit type
(篇5: 58 = 42 + 16), signed up, who paid how much of their down-payment (36户, 133万), handed over,
moved in, old houses demolished; and the warnings against the plan's dates (a down-payment short past
its date, the main structure or the project past theirs)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.projects.models import Project
from services.projects.relocation.models import Relocatee, Settlement, UnitType
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import BuildStatus, WarningKind, WarningRead
from services.projects.repository import ProjectRepository


def _by(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


def build_status(settlement: Settlement, project: Project | None, as_of: date) -> BuildStatus:
    """The project's own steps (started, completed) with the settlement's main structure between."""
    if project is not None and _by(project.cancelled_on, as_of):
        return BuildStatus.cancelled
    if project is not None and _by(project.completed_on, as_of):
        return BuildStatus.completed
    if _by(settlement.main_structure_done_on, as_of):
        return BuildStatus.main_structure_done
    if project is not None and _by(project.started_on, as_of):
        return BuildStatus.started
    return BuildStatus.not_started


def late_building(
    settlement: Settlement, project: Project | None, as_of: date
) -> list[tuple[WarningKind, date]]:
    """The plan's building dates passed on ``as_of`` with the work not done by then."""
    if project is not None and _by(project.cancelled_on, as_of):
        return []
    late = []
    if settlement.main_structure_due_on < as_of and not _by(settlement.main_structure_done_on, as_of):
        late.append((WarningKind.late_main_structure, settlement.main_structure_due_on))
    if project is not None and project.planned_end_on is not None:
        if project.planned_end_on < as_of and not _by(project.completed_on, as_of):
            late.append((WarningKind.late_completion, project.planned_end_on))
    return late


@dataclass
class Tally:
    """One settlement's records as of a date, in the caller's area."""

    settlement: Settlement
    project: Project | None
    types: list[UnitType]
    households: list[Relocatee] = field(default_factory=list)  # signed up by the date
    paid: dict[uuid.UUID, int] = field(default_factory=dict)  # relocatee id → paid by the date

    def planned(self, *, turnkey: bool | None = None) -> int:
        return sum(t.planned_units for t in self.types if turnkey is None or t.turnkey == turnkey)

    def count(self, column: str, as_of: date) -> int:
        return sum(1 for h in self.households if _by(getattr(h, column), as_of))

    def late_payers(self, as_of: date) -> list[Relocatee]:
        if self.settlement.payment_due_on >= as_of:
            return []
        return [h for h in self.households if self.paid.get(h.id, 0) < h.down_payment_due_fen]


async def tallies(
    session: AsyncSession, settlements: Sequence[Settlement], scope_prefix: str, as_of: date
) -> list[Tally]:
    repository = SettlementRepository(session)
    ids = [s.id for s in settlements]
    if not ids:
        return []
    types: dict[uuid.UUID, list[UnitType]] = defaultdict(list)
    for unit in await repository.unit_types(ids):
        types[unit.settlement_id].append(unit)
    projects = ProjectRepository(session)
    found = []
    for s in settlements:
        found.append(Tally(s, await projects.get_anywhere(s.project_id), types[s.id]))
    by_id = {t.settlement.id: t for t in found}
    for h in await repository.all_relocatees(ids, scope_prefix):
        if h.signed_on <= as_of:
            by_id[h.settlement_id].households.append(h)
    paid = await repository.paid_by(ids, as_of, scope_prefix)
    for tally in found:
        tally.paid = {h.id: paid[h.id] for h in tally.households if h.id in paid}
    return found


def warnings_of(tally: Tally, as_of: date) -> list[WarningRead]:
    s = tally.settlement
    found = [
        WarningRead(
            kind=WarningKind.late_payment,
            settlement_id=s.id,
            settlement_name=s.name,
            area_code=h.area_code,
            household_id=h.household_id,
            due_on=s.payment_due_on,
            due_fen=h.down_payment_due_fen,
            paid_fen=tally.paid.get(h.id, 0),
            days_late=(as_of - s.payment_due_on).days,
        )
        for h in tally.late_payers(as_of)
    ]
    for kind, due in late_building(s, tally.project, as_of):
        found.append(
            WarningRead(
                kind=kind,
                settlement_id=s.id,
                settlement_name=s.name,
                area_code=s.area_code,
                household_id=None,
                due_on=due,
                days_late=(as_of - due).days,
            )
        )
    return found
