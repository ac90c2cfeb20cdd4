"""Sharp drops (收入骤减, 支出骤增): a visit is compared with the household's previous visit, against
figures versioned per year and area like the income line, and a finding names both figures and the
threshold version it used."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx

from services.monitoring.rules.engine import RULESET_VERSION, evaluate
from services.monitoring.rules.facts import HouseholdFacts, Income, PreviousVisit, Thresholds
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, make_areas, seed_households
from tests.support.system import Database

LINES = Thresholds(
    uuid.uuid4(), COUNTY, 2026, 2, Decimal(7000), Decimal(20000), Decimal("0.3"), Decimal(10000)
)


def facts(per_person_before: int | None, wages: int, size: int = 4, **kw: object) -> HouseholdFacts:
    before = PreviousVisit(
        date(2026, 3, 10),
        Decimal(per_person_before) if per_person_before else None,
        Decimal(kw.pop("spent_before", 0)),
    )  # type: ignore[arg-type]
    return HouseholdFacts(
        uuid.uuid4(), date(2026, 6, 10), size, income=Income(wages=Decimal(wages)), previous=before, **kw
    )  # type: ignore[arg-type]


def test_the_rules_compare_with_the_previous_visit() -> None:
    [drop] = evaluate(facts(15000, 36000), LINES)  # 9,000 per person: down 40%, above the line
    assert (drop.code.value, drop.rule_version, drop.threshold_version) == ("income_drop", "income_drop@1", 2)
    assert drop.reason == (
        "人均纯收入由15,000元（2026-03-10走访）降至9,000元，降幅40% > "
        f"2026年收入骤减标准30%（{COUNTY} 2026年标准第2版）"
    )
    assert evaluate(facts(15000, 48000), LINES) == []  # 12,000: down 20%, within the threshold
    assert evaluate(facts(None, 36000), LINES) == []  # the previous visit recorded no income
    unwatched = Thresholds(LINES.id, COUNTY, 2026, 1, Decimal(7000), Decimal(20000))
    assert evaluate(facts(15000, 36000), unwatched) == []  # versions without the figures stay silent
    [jump] = evaluate(facts(15000, 60000, medical_expense=Decimal(15000), spent_before=2000), LINES)
    assert (jump.code.value, jump.rule_version) == ("spending_jump", "spending_jump@1")
    assert jump.reason == (
        "刚性支出由2,000元（2026-03-10走访）增至15,000元，增加13,000元 > "
        f"2026年支出骤增标准10,000元（{COUNTY} 2026年标准第2版）"
    )
    assert evaluate(facts(15000, 60000, medical_expense=Decimal(12000), spent_before=2000), LINES) == []
    assert RULESET_VERSION == "2026.3"


async def test_income_down_40_percent_above_the_line_is_an_income_drop(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    """Acceptance 3: income per person down 40% from the last visit, still above the line."""
    await make_areas(admin)
    await set_thresholds(admin, 2026, income_line=7000)  # version 1 does not watch drops
    second = await set_thresholds(
        admin, 2026, income_line=7000, income_drop_share=0.3, spending_jump_line=10000
    )
    assert (second["version"], Decimal(str(second["income_drop_share"]))) == (2, Decimal("0.3"))
    [household] = await seed_households(clean_database.owner_url)
    march = inspection(household, visited_at="2026-03-10T10:00:00+08:00", wages=60000)  # 15,000 each
    june = inspection(household, visited_at="2026-06-10T10:00:00+08:00", wages=36000)  # 9,000 each
    first = await admin.post("/api/v1/inspections", json=march)
    assert first.status_code == 201 and first.json()["findings"] == [], first.text
    posted = await admin.post("/api/v1/inspections", json=june)
    assert posted.status_code == 201, posted.text
    [finding] = posted.json()["findings"]
    assert (finding["code"], finding["rule_version"]) == ("income_drop", "income_drop@1")
    assert (finding["threshold_id"], finding["threshold_version"]) == (second["id"], 2)
    assert "15,000元" in finding["reason"] and "9,000元" in finding["reason"]
    assert finding["reason"].endswith(f"降幅40% > 2026年收入骤减标准30%（{COUNTY} 2026年标准第2版）")
    stored = (await admin.get(f"/api/v1/inspections/{june['id']}")).json()
    assert stored["ruleset_version"] == "2026.3"
    alerts = (await admin.get("/api/v1/alerts", params={"household_id": household})).json()["items"]
    assert [(a["risk_code"], a["state"]) for a in alerts] == [("income_drop", "open")]


async def test_visits_of_one_batch_and_late_visits_compare_with_the_one_before(
    admin: httpx.AsyncClient, clean_database: Database
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2026, income_drop_share=0.25, spending_jump_line=10000)
    [household] = await seed_households(clean_database.owner_url, HUANGJIN)
    april = inspection(
        household, visited_at="2026-04-01T09:00:00+08:00", wages=60000, large_expenses={"medical": 1000}
    )
    may = inspection(
        household, visited_at="2026-05-01T09:00:00+08:00", wages=40000, large_expenses={"medical": 14000}
    )  # 15,000 → 10,000 each; spending +13,000
    batch = await admin.post("/api/v1/inspections/batch", json={"items": [may, april]})
    assert batch.status_code == 200, batch.text
    codes = {i["id"]: sorted(f["code"] for f in i["findings"]) for i in batch.json()["items"]}
    assert codes == {april["id"]: [], may["id"]: ["income_drop", "spending_jump"]}
    # A visit that arrives late is compared with the visit before it, not with a later one.
    march = inspection(household, visited_at="2026-03-01T09:00:00+08:00", wages=32000)
    late = await admin.post("/api/v1/inspections", json=march)
    assert late.json()["findings"] == []  # nothing before it (a lower income than april's is no drop)
    mid_april = inspection(household, visited_at="2026-04-15T09:00:00+08:00", wages=56000)
    assert (await admin.post("/api/v1/inspections", json=mid_april)).json()["findings"] == []  # −6.7%
