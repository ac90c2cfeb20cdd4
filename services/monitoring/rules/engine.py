"""The risk rules: pure functions from a household's facts and the thresholds in force to findings.

Each rule has a code and a version; a finding names both, the threshold version it compared against,
and a reason a village cadre can read. Changing a rule means a new version, so a stored finding can
always be explained by the rule that made it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from services.monitoring.codes import RiskCode, RiskEventKind, Schooling, Severity
from services.monitoring.rules.facts import HouseholdFacts, Thresholds

# 2026.2: low_income@2 counts income recorded through beneficiary links; 2026.3: income_drop@1 and
# spending_jump@1 compare a visit with the household's previous one (收入骤减, 支出骤增).
RULESET_VERSION = "2026.3"
COMPULSORY_AGES = range(6, 16)  # 6–15 inclusive: 义务教育


@dataclass(frozen=True)
class Finding:
    code: RiskCode
    severity: Severity
    reason: str
    rule_version: str
    threshold_id: uuid.UUID | None = None
    threshold_version: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "reason": self.reason,
            "rule_version": self.rule_version,
            "threshold_id": str(self.threshold_id) if self.threshold_id else None,
            "threshold_version": self.threshold_version,
        }


Rule = Callable[[HouseholdFacts, Thresholds], "Finding | None"]


def yuan(amount: Decimal) -> str:
    """5820 -> "5,820元"; cents only when there are any."""
    rounded = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.2f}"
    return f"{text}元"


def _finding(code: RiskCode, severity: Severity, reason: str, version: str, t: Thresholds | None = None):  # noqa: ANN202
    return Finding(
        code, severity, reason, f"{code.value}@{version}", t.id if t else None, t.version if t else None
    )


def food_and_clothing(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
    missing = [what for what, ok in (("吃", facts.food_secure), ("穿", facts.clothing_secure)) if not ok]
    if not missing:
        return None
    return _finding(RiskCode.food_clothing, Severity.high, f"不愁{'、'.join(missing)}未保障", "1")


def compulsory_education(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
    out = [
        f"{c.name}（{c.age}岁，{Schooling(c.schooling).label}）"
        for c in facts.children
        if c.age in COMPULSORY_AGES and c.schooling in (Schooling.dropped_out, Schooling.not_enrolled)
    ]
    if not out:
        return None
    return _finding(
        RiskCode.compulsory_education, Severity.high, f"义务教育阶段未在学：{'、'.join(out)}", "1"
    )


def medical_insurance(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
    uninsured = [p.name for p in facts.people if not p.insured]
    if not uninsured:
        return None
    return _finding(
        RiskCode.medical_insurance, Severity.high, f"未参加基本医疗保险：{'、'.join(uninsured)}", "1"
    )


def housing(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
    if facts.housing_grade not in ("C", "D"):
        return None
    what = "局部危险" if facts.housing_grade == "C" else "整体危险"
    return _finding(
        RiskCode.unsafe_housing, Severity.high, f"住房鉴定为{facts.housing_grade}级（{what}）", "1"
    )


def drinking_water(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
    w = facts.water
    if w is None:
        return None
    failed = [
        what
        for what, ok in (
            ("水量", w.enough),
            ("水质", w.quality_ok),
            ("取水方便", w.convenient),
            ("供水保证率", w.reliable),
        )
        if not ok
    ]
    if not failed:
        return None
    return _finding(RiskCode.unsafe_water, Severity.high, f"饮水安全不达标：{'、'.join(failed)}", "1")


def low_income(facts: HouseholdFacts, t: Thresholds) -> Finding | None:
    """Version 2: wages and transfer income are each at least what beneficiary payments recorded for the
    year (``Income.recorded`` names those the records raised), and the reason says so."""
    if facts.income is None or facts.size < 1:
        return None
    per_person = facts.income.net / facts.size
    if per_person >= t.income_line:
        return None
    reason = f"人均纯收入{yuan(per_person)} < {t.year}年监测标准{yuan(t.income_line)}{t.source}"
    if facts.income.recorded:
        used = "、".join(f"{what}{yuan(amount)}" for what, amount in facts.income.recorded)
        reason += f"（按项目利益联结记录收入计：{used}）"
    return _finding(RiskCode.low_income, Severity.high, reason, "2", t)


def large_expense(facts: HouseholdFacts, t: Thresholds) -> Finding | None:
    spent = facts.medical_expense + facts.schooling_expense
    if spent <= t.large_expense_line:
        return None
    parts = [
        f"{what}{yuan(amount)}"
        for what, amount in (("医疗", facts.medical_expense), ("教育", facts.schooling_expense))
        if amount
    ]
    line = f"{t.year}年刚性支出标准{yuan(t.large_expense_line)}{t.source}"
    reason = f"刚性支出{yuan(spent)}（{'、'.join(parts)}）> {line}"
    return _finding(RiskCode.large_expense, Severity.medium, reason, "1", t)


def percent(share: Decimal) -> str:
    """0.4 -> "40%", 0.125 -> "12.5%"."""
    value = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:.0f}%" if value == value.to_integral_value() else f"{value}%"


def income_drop(facts: HouseholdFacts, t: Thresholds) -> Finding | None:
    """收入骤减: income per person fell from the previous visit by more than the threshold share, whether
    or not it is still above the line (a fall is a risk before it is poverty)."""
    before = facts.previous
    now = facts.income_per_person
    if t.income_drop_share is None or before is None or before.income_per_person is None or now is None:
        return None
    if before.income_per_person <= 0 or now >= before.income_per_person:
        return None
    fall = (before.income_per_person - now) / before.income_per_person
    if fall <= t.income_drop_share:
        return None
    reason = (
        f"人均纯收入由{yuan(before.income_per_person)}（{before.observed_on.isoformat()}走访）"
        f"降至{yuan(now)}，降幅{percent(fall)} > "
        f"{t.year}年收入骤减标准{percent(t.income_drop_share)}{t.source}"
    )
    return _finding(RiskCode.income_drop, Severity.medium, reason, "1", t)


def spending_jump(facts: HouseholdFacts, t: Thresholds) -> Finding | None:
    """支出骤增: rigid spending (medical + schooling) rose over the previous visit by more than the line."""
    before = facts.previous
    if t.spending_jump_line is None or before is None:
        return None
    rise = facts.rigid_spending - before.rigid_spending
    if rise <= t.spending_jump_line:
        return None
    reason = (
        f"刚性支出由{yuan(before.rigid_spending)}（{before.observed_on.isoformat()}走访）"
        f"增至{yuan(facts.rigid_spending)}，增加{yuan(rise)} > {t.year}年支出骤增标准"
        f"{yuan(t.spending_jump_line)}{t.source}"
    )
    return _finding(RiskCode.spending_jump, Severity.medium, reason, "1", t)


def _event_rule(kind: RiskEventKind, code: RiskCode) -> Rule:
    def rule(facts: HouseholdFacts, _: Thresholds) -> Finding | None:
        events = [e for e in facts.risk_events if e.kind == kind]
        if not events:
            return None
        details = "；".join(
            f"{e.happened_on.isoformat() if e.happened_on else '日期不详'}{('：' + e.note) if e.note else ''}"
            for e in events
        )
        return _finding(code, Severity.medium, f"{code.label}风险：{kind.label}（{details}）", "1")

    rule.__name__ = f"risk_event_{kind.value}"
    return rule


# Rules that compare against a yearly line; without thresholds for the year they cannot say anything.
THRESHOLD_RULES: tuple[Rule, ...] = (low_income, large_expense, income_drop, spending_jump)
RULES: tuple[Rule, ...] = (
    food_and_clothing,
    compulsory_education,
    medical_insurance,
    housing,
    drinking_water,
    *THRESHOLD_RULES,
    _event_rule(RiskEventKind.illness, RiskCode.illness),
    _event_rule(RiskEventKind.disability, RiskCode.disability),
    _event_rule(RiskEventKind.disaster, RiskCode.disaster),
    _event_rule(RiskEventKind.accident, RiskCode.accident),
    _event_rule(RiskEventKind.job_loss, RiskCode.job_loss),
)


def evaluate(facts: HouseholdFacts, thresholds: Thresholds | None) -> list[Finding]:
    """Every rule's finding for this household, in rule order (none: no risk found). Without thresholds
    for the year, the income and spending rules are skipped (the inspection records that it had none)."""
    findings = []
    for rule in RULES:
        if thresholds is None and rule in THRESHOLD_RULES:
            continue
        # Rules that need thresholds were skipped above when there are none; the others ignore them.
        if (finding := rule(facts, cast(Thresholds, thresholds))) is not None:
            findings.append(finding)
    return findings
