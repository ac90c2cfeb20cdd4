"""The indicators an appraisal scheme may weigh, and how a figure becomes a score: pure, no I/O.

Each indicator's figure is a share in percent (a count of a count). Its score out of 100 is explicit:
full marks at or above ``full_at``, none below ``zero_below``, linear in between. Its points are the
score times its weight ÷ 100; the weights of a scheme sum to 100, so a unit's total is out of 100 —
or, when an indicator could not be scored, out of the weights that were (the score says which and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.common.labels import LabelledEnum


class Level(LabelledEnum):
    """Who is appraised."""

    work_team = "work_team", "驻村工作队"
    village = "village", "村"
    cadre = "cadre", "干部"


class Indicator(LabelledEnum):
    visit_compliance = "visit_compliance", "结对帮扶走访按时率"
    days_in_village = "days_in_village", "驻村天数达标率"
    tasks_closed_on_time = "tasks_closed_on_time", "整改按期销号率"
    risk_eliminated = "risk_eliminated", "监测户风险消除率"
    labour_employed = "labour_employed", "劳动力就业率"


# A cadre is held to what is counted of them alone: their pairings' visits and their days in the village.
LEVEL_INDICATORS: dict[Level, frozenset[Indicator]] = {
    Level.work_team: frozenset(Indicator),
    Level.village: frozenset(Indicator),
    Level.cadre: frozenset({Indicator.visit_compliance, Indicator.days_in_village}),
}

# What each indicator's share counts (numerator of denominator), for the reason sentence.
MEASURES: dict[Indicator, str] = {
    Indicator.visit_compliance: "pairings visited on time of those due (monitoring's visit compliance)",
    Indicator.days_in_village: "days in the village projected to the year's end of the members' targets",
    Indicator.tasks_closed_on_time: "rectification items of the village closed by their deadline of those "
    "due or closed",
    Indicator.risk_eliminated: "households whose risk was eliminated of those ever monitored "
    "(a household monitored again counts in both, lowering the share)",
    # Jobs counts status by household category only for those away, so this is all households' labour.
    Indicator.labour_employed: "people working of those able to work, all households (jobs' employment "
    "statistics)",
}


@dataclass(frozen=True)
class Rule:
    indicator: Indicator
    weight: int
    full_at: int
    zero_below: int


@dataclass
class Outcome:
    """An indicator's figures for one unit: ``numerator`` of ``denominator``; or why there are none."""

    figures: dict[str, int] = field(default_factory=dict)
    numerator: int = 0
    denominator: int = 0
    missing: str | None = None  # the figure could not be read: why
    source: str = ""  # where the figures came from


@dataclass(frozen=True)
class Scored:
    status: str  # scored, not_applicable, missing
    ratio_pct: float | None
    score: float | None
    points: float | None
    reason: str


def score_of(rule: Rule, outcome: Outcome) -> Scored:
    label = rule.indicator.label
    if outcome.missing is not None:
        return Scored("missing", None, None, None, f"{label}: not scored — {outcome.missing}.")
    if outcome.denominator <= 0:
        return Scored(
            "not_applicable",
            None,
            None,
            None,
            f"{label}: nothing to count ({MEASURES[rule.indicator]}: none), so not scored.",
        )
    pct = round(100 * outcome.numerator / outcome.denominator, 1)
    if pct >= rule.full_at:
        score, how = 100.0, f"at or above full marks at {rule.full_at}%"
    elif pct < rule.zero_below:
        score, how = 0.0, f"below the floor of {rule.zero_below}%"
    else:
        score = round(100 * (pct - rule.zero_below) / (rule.full_at - rule.zero_below), 1)
        how = f"between the floor of {rule.zero_below}% and full marks at {rule.full_at}%, linear"
    points = round(score * rule.weight / 100, 1)
    reason = (
        f"{label}: {outcome.numerator} of {outcome.denominator} {MEASURES[rule.indicator]} = {pct}%, "
        f"{how}: score {score:g} × weight {rule.weight} = {points:g} points."
    )
    return Scored("scored", pct, score, points, reason)


def total_of(scored: list[tuple[Rule, Scored]]) -> float | None:
    """Points earned out of the weights scored, on 100; None when nothing could be scored."""
    weights = sum(rule.weight for rule, s in scored if s.status == "scored")
    if weights == 0:
        return None
    return round(100 * sum(s.points or 0 for _, s in scored) / weights, 1)
