"""Relocation figures: one settlement's (with its people's work, from jobs) and an area's for its
report (counts and sums only, per settlement), from the settlements' repository."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.projects.relocation.figures import Tally, build_status, late_building, tallies
from services.projects.relocation.jobs import follow_up
from services.projects.relocation.repository import SettlementRepository
from services.projects.relocation.schemas import SettlementFigures
from services.projects.relocation.stats.schemas import RelocationStats, RelocationTotals, SettlementRow

OWN_ROW_FIELDS = {"settlement_id", "settlement_name", "build_status", "label"}


def figures_of(tally: Tally, as_of: date) -> SettlementFigures:
    s = tally.settlement
    return SettlementFigures(
        settlement_id=s.id,
        name=s.name,
        area_code=s.area_code,
        as_of=as_of,
        build_status=build_status(s, tally.project, as_of),
        planned_households=tally.planned(),
        planned_relocated=tally.planned(turnkey=False),
        planned_turnkey=tally.planned(turnkey=True),
        signed_up=len(tally.households),
        paid_households=sum(1 for h in tally.households if tally.paid.get(h.id, 0) > 0),
        paid_fen=sum(tally.paid.values()),
        paid_in_full=sum(1 for h in tally.households if tally.paid.get(h.id, 0) >= h.down_payment_due_fen),
        handed_over=tally.count("handed_over_on", as_of),
        moved_in=tally.count("moved_in_on", as_of),
        demolished=tally.count("demolished_on", as_of),
        late_payment=len(tally.late_payers(as_of)),
        late=[kind for kind, _ in late_building(s, tally.project, as_of)],
    )


async def settlement_figures(
    request: Request, session: AsyncSession, tally: Tally, scope_prefix: str, as_of: date
) -> SettlementFigures:
    figures = figures_of(tally, as_of)
    households = {h.household_id for h in tally.households}
    villages = {h.area_code for h in tally.households} | {tally.settlement.area_code}
    found, missing = await follow_up(request, households, villages, scope_prefix, as_of)
    return figures.model_copy(update={"follow_up": found, "missing": missing})


async def relocation_stats(
    session: AsyncSession, area: str, scope_prefix: str, as_of: date
) -> RelocationStats:
    settlements = await SettlementRepository(session).in_area(scope_prefix, prefix_of(area))
    rows = [figures_of(t, as_of) for t in await tallies(session, settlements, scope_prefix, as_of)]
    names = (
        "planned_households",
        "planned_relocated",
        "planned_turnkey",
        "signed_up",
        "paid_households",
        "paid_fen",
        "handed_over",
        "moved_in",
        "demolished",
        "late_payment",
    )
    totals = {name: sum(getattr(r, name) for r in rows) for name in names}
    return RelocationStats(
        area_code=area,
        as_of=as_of,
        relocation=RelocationTotals(
            settlements=len(rows), settlements_late=sum(1 for r in rows if r.late), **totals
        ),
        by_settlement=[
            SettlementRow(
                **r.model_dump(include=set(SettlementRow.model_fields) - OWN_ROW_FIELDS),
                settlement_id=str(r.settlement_id),
                settlement_name=r.name,
                build_status=r.build_status.value,
                label=r.build_status.label,
            )
            for r in rows
        ],
    )
