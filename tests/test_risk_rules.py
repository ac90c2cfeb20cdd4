"""The risk rules as pure functions: facts and thresholds in, explainable findings out."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from services.monitoring.rules.engine import RULESET_VERSION, evaluate, yuan
from services.monitoring.rules.facts import Child, HouseholdFacts, Income, Thresholds

LINE = Thresholds(uuid.uuid4(), "610924000000", 2025, 3, Decimal(7000), Decimal(20000))


def facts(**fields: object) -> HouseholdFacts:
    base = {"household_id": uuid.uuid4(), "observed_on": date(2025, 10, 1), "size": 4}
    return HouseholdFacts(**(base | fields))  # type: ignore[arg-type]


def codes(found: list) -> list[str]:
    return [f.code.value for f in found]


def test_money_reads_like_a_ledger() -> None:
    assert (yuan(Decimal(5820)), yuan(Decimal("5820.5")), yuan(Decimal(1234567))) == (
        "5,820元",
        "5,820.50元",
        "1,234,567元",
    )


def test_income_is_net_of_business_costs_per_person() -> None:
    income = Income(wages=Decimal(20000), business=Decimal(10000), business_costs=Decimal(4000))
    [finding] = evaluate(facts(income=income), LINE)  # 26,000 / 4 = 6,500
    assert finding.reason == "人均纯收入6,500元 < 2025年监测标准7,000元（610924000000 2025年标准第3版）"
    assert (finding.threshold_id, finding.threshold_version, finding.severity.value) == (LINE.id, 3, "high")
    assert evaluate(facts(income=Income(wages=Decimal(28000))), LINE) == []  # exactly on the line: not under


def test_only_compulsory_ages_count_for_schooling() -> None:
    children = (
        Child("甲", 5, "not_enrolled"),
        Child("乙", 16, "dropped_out"),
        Child("丙", 15, "home_schooling"),
    )
    assert evaluate(facts(children=children), LINE) == []
    assert codes(evaluate(facts(children=(Child("丁", 6, "not_enrolled"),)), LINE)) == [
        "compulsory_education"
    ]


def test_housing_grades_c_and_d_are_unsafe() -> None:
    assert [codes(evaluate(facts(housing_grade=g), LINE)) for g in "ABCD"] == [
        [],
        [],
        ["unsafe_housing"],
        ["unsafe_housing"],
    ]


def test_without_thresholds_the_line_rules_are_skipped_and_the_others_still_speak() -> None:
    poor_and_hungry = facts(
        income=Income(wages=Decimal(100)), food_secure=False, medical_expense=Decimal(10**6)
    )
    assert codes(evaluate(poor_and_hungry, None)) == ["food_clothing"]
    assert codes(evaluate(poor_and_hungry, LINE)) == ["food_clothing", "low_income", "large_expense"]


def test_findings_name_the_rule_version() -> None:
    [finding] = evaluate(facts(food_secure=False), LINE)
    assert finding.rule_version == "food_clothing@1" and RULESET_VERSION
