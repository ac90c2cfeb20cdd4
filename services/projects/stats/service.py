"""Project figures of an area on a date (篇4: 72项 4.41亿元 by sector; the 援疆 share), read from the
rollups (``sql/040_project_deltas.sql`` says what each project contributes), never by counting the
area's projects; ``recount`` is the raw reference the tests hold them to."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village
from services.common.rollups.store import Figures, figures_of, figures_of_children
from services.projects import SCHEMA
from services.projects.codes import AssetKind, FundingSource, OwnerType, ProjectState, Sector
from services.projects.stats.schemas import (
    AssetChecks,
    AssetStats,
    ChildFigures,
    CounterpartShare,
    Distributed,
    KindFigures,
    OwnerFigures,
    ProjectStats,
    SectorFigures,
    SourceFigures,
    StateCount,
)

COUNTERPART_RULE = 0.8  # 篇4: "向基层、民生均不低于80%"


def _keyed(figures: Figures, measure: str) -> dict[str, int]:
    return {key: n for (m, key), n in figures.items() if m == measure}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def project_stats(session: AsyncSession, area: str, day: date) -> ProjectStats:
    figures = await figures_of(session, SCHEMA, area, day)
    children = {} if is_village(area) else await figures_of_children(session, SCHEMA, area, day)
    return compose(area, day, figures, children)


def compose(area: str, day: date, figures: Figures, children: dict[str, Figures]) -> ProjectStats:
    projects, budget = _keyed(figures, "projects"), _keyed(figures, "budget")
    received, paid = _keyed(figures, "received"), _keyed(figures, "paid")
    by_source = {m: _keyed(figures, f"{m}_by_source") for m in ("budget", "received", "paid")}
    states = _keyed(figures, "state")
    counterpart = _keyed(figures, "counterpart_received")
    whole = counterpart.get("all", 0)
    grassroots, livelihood = counterpart.get("grassroots", 0), counterpart.get("livelihood", 0)
    return ProjectStats(
        area_code=area,
        as_of=day,
        projects=sum(projects.values()),
        budget_fen=sum(budget.values()),
        received_fen=sum(received.values()),
        paid_fen=sum(paid.values()),
        by_sector=[
            SectorFigures(
                sector=s,
                label=s.label,
                projects=projects.get(s, 0),
                budget_fen=budget.get(s, 0),
                received_fen=received.get(s, 0),
                paid_fen=paid.get(s, 0),
            )
            for s in Sector
        ],
        by_source=[
            SourceFigures(
                source=s,
                label=s.label,
                budget_fen=by_source["budget"].get(s, 0),
                received_fen=by_source["received"].get(s, 0),
                paid_fen=by_source["paid"].get(s, 0),
            )
            for s in FundingSource
        ],
        by_state=[StateCount(state=s, label=s.label, projects=states.get(s, 0)) for s in ProjectState],
        counterpart=CounterpartShare(
            received_fen=whole,
            grassroots_fen=grassroots,
            livelihood_fen=livelihood,
            grassroots_share=_share(grassroots, whole),
            livelihood_share=_share(livelihood, whole),
            rule_share=COUNTERPART_RULE,
            meets_rule=None if not whole else min(grassroots, livelihood) >= COUNTERPART_RULE * whole,
        ),
        children=[
            ChildFigures(
                area_code=code,
                projects=sum(_keyed(f, "projects").values()),
                budget_fen=sum(_keyed(f, "budget").values()),
                received_fen=sum(_keyed(f, "received").values()),
                paid_fen=sum(_keyed(f, "paid").values()),
            )
            for code, f in children.items()
        ],
    )


async def asset_stats(session: AsyncSession, area: str, day: date) -> AssetStats:
    """The figures on ``day``, and the assets held at its year's start (those owe the year's check)."""
    figures = await figures_of(session, SCHEMA, area, day)
    year_start = await figures_of(session, SCHEMA, area, date(day.year, 1, 1) - timedelta(days=1))
    return compose_assets(area, day, figures, sum(_keyed(year_start, "assets").values()))


def compose_assets(area: str, day: date, figures: Figures, held_at_year_start: int) -> AssetStats:
    assets, value = _keyed(figures, "assets"), _keyed(figures, "asset_value")
    owners, shares = _keyed(figures, "assets_by_owner"), _keyed(figures, "asset_distributed")
    year = str(day.year)
    return AssetStats(
        area_code=area,
        as_of=day,
        assets=sum(assets.values()),
        value_fen=sum(value.values()),
        by_kind=[
            KindFigures(kind=k, label=k.label, assets=assets.get(k, 0), value_fen=value.get(k, 0))
            for k in AssetKind
        ],
        by_owner=[OwnerFigures(owner_type=o, label=o.label, assets=owners.get(o, 0)) for o in OwnerType]
        + [OwnerFigures(owner_type="untitled", label="未确权", assets=owners.get("untitled", 0))],
        checks=AssetChecks(
            year=day.year,
            due=held_at_year_start,
            done=_keyed(figures, "asset_checked").get(year, 0),
            problems=_keyed(figures, "asset_check_problems").get(year, 0),
        ),
        income_fen=sum(_keyed(figures, "asset_income").values()),
        distributed=Distributed(
            households_fen=shares.get("households", 0),
            posts_fen=shares.get("posts", 0),
            village_fen=shares.get("village", 0),
            other_fen=shares.get("other", 0),
        ),
        distributed_fen=sum(shares.values()),
    )
