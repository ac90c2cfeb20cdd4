"""The whole path through the API: alert → village → town → county → enrolled → measures → exit
proposal → eliminated; each level takes only its own steps, and says so when refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import httpx

from services.common.calendar import china_today
from tests.support.database import libpq_url
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import HUANGJIN, TOWN, make_areas, seed_households
from tests.support.system import Database


async def step(
    client: httpx.AsyncClient, case: dict, headers: dict, action: str, **body: object
) -> httpx.Response:
    payload = {"action": action, "base_version": case["version"]} | body
    return await client.post(f"/api/v1/cases/{case['id']}/actions", json=payload, headers=headers)


async def end_notice_period(database: Database, case_id: str) -> None:
    """The public notice's days pass (the test cannot wait them out)."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(
            "UPDATE monitoring.cases SET notice_ends_on = notice_ends_on - 7 WHERE id = $1",
            uuid.UUID(case_id),
        )
    finally:
        await conn.close()


async def test_alert_to_enrolment_to_exit_through_the_api(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, exit_waiting_days=90, alert_decision_days=20)
    village = await user_headers("cadre", "village_cadre", HUANGJIN)
    town = await user_headers("town", "town_reviewer", TOWN)
    county = await user_headers("county", "county_admin", "610924000000")
    [household] = await seed_households(clean_database.owner_url)
    poor = inspection(household, wages=8000, visited_at="2025-03-01T10:00:00+08:00")
    assert (await admin.post("/api/v1/inspections", json=poor, headers=village)).status_code == 201
    [alert] = (await admin.get("/api/v1/alerts", params={"household_id": household}, headers=village)).json()[
        "items"
    ]

    opened = await admin.post("/api/v1/cases", json={"alert_ids": [alert["id"]]}, headers=village)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["state"], case["risk_codes"], case["decision_due_on"]) == (
        "village_deliberation",
        ["low_income"],
        "2025-03-21",
    )
    assert case["actions"] == ["start_notice", "reject"]
    assert (await admin.get(f"/api/v1/alerts/{alert['id']}", headers=village)).json()[
        "state"
    ] == "case_opened"

    # The town may not deliberate for the village, nor the village approve for the town.
    refused = await step(admin, case, town, "start_notice", notice_ends_on="2099-01-01")
    assert refused.status_code == 403 and refused.json()["code"] == "step_not_allowed"
    assert "needs cases:village" in refused.json()["detail"]

    notice_end = (china_today() + timedelta(days=5)).isoformat()
    case = (await step(admin, case, village, "start_notice", notice_ends_on=notice_end)).json()
    assert case["state"] == "public_notice"
    case = (await step(admin, case, village, "object", reason="邻居称其有经营收入")).json()
    early = await step(admin, case, village, "submit")
    assert early.status_code == 409 and early.json()["code"] == "notice_running"
    await end_notice_period(clean_database, case["id"])
    case = (await step(admin, case, village, "submit")).json()
    assert case["state"] == "town_review"

    by_village = await step(admin, case, village, "approve")
    assert by_village.status_code == 403
    assert by_village.json()["detail"] == (
        "'approve' on a case in town_review is taken by the town (乡镇审核); the village_cadre role may not "
        "(needs cases:town)"
    )
    no_reason = await step(admin, case, town, "return")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    case = (await step(admin, case, town, "approve")).json()
    assert case["state"] == "county_review"
    untyped = await step(admin, case, county, "approve")
    assert untyped.status_code == 422 and untyped.json()["code"] == "type_required"
    stale = await admin.post(
        f"/api/v1/cases/{case['id']}/actions",
        json={"action": "approve", "base_version": 1, "monitoring_type": "marginal"},
        headers=county,
    )
    assert stale.status_code == 409 and stale.json()["current"]["state"] == "county_review"
    case = (await step(admin, case, county, "approve", monitoring_type="marginal")).json()
    assert (case["state"], case["monitoring_type"]) == ("enrolled", "marginal")
    assert case["days_to_decision"] is not None

    measure = {
        "kind": "employment",
        "description": "推荐到社区工厂就业",
        "starts_on": "2025-04-01",
        "amount": 1200,
    }
    planned = await admin.post(f"/api/v1/cases/{case['id']}/measures", json=measure, headers=village)
    assert planned.status_code == 201, planned.text
    done = await admin.patch(
        f"/api/v1/measures/{planned.json()['id']}",
        json={"base_version": 1, "status": "done"},
        headers=village,
    )
    assert done.status_code == 200 and done.json()["status"] == "done"

    # Income back above the line for long enough: the system proposes exit, with its reason.
    for day in ("2025-05-01", "2025-06-15", "2025-08-01"):
        visit = inspection(household, visited_at=f"{day}T10:00:00+08:00")
        assert (await admin.post("/api/v1/inspections", json=visit, headers=village)).json()["findings"] == []
    case = (await admin.get(f"/api/v1/cases/{case['id']}", headers=village)).json()
    assert case["state"] == "exit_village"
    proposal = case["history"][-1]
    assert (proposal["action"], proposal["actor_role"]) == ("propose_exit", "system")
    assert "2025-05-01至2025-08-01" in proposal["reason"] and "观察期90天" in proposal["reason"]

    case = (await step(admin, case, village, "submit")).json()
    case = (await step(admin, case, town, "approve")).json()
    refused = await step(admin, case, town, "approve")
    assert refused.status_code == 403 and "needs cases:county" in refused.json()["detail"]
    case = (await step(admin, case, county, "approve")).json()
    assert (case["state"], case["actions"]) == ("eliminated", [])
    history = (await admin.get(f"/api/v1/cases/{case['id']}", headers=county)).json()["history"]
    assert [h["action"] for h in history] == [
        "open",
        "start_notice",
        "object",
        "submit",
        "approve",
        "approve",
        "propose_exit",
        "submit",
        "approve",
        "approve",
    ]
    assert all(h["actor_id"] and h["at"] for h in history)
    assert history[2]["reason"] == "邻居称其有经营收入"


async def test_cases_past_the_time_limit_are_listed(
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, alert_decision_days=10)
    village = await user_headers("cadre", "village_cadre", HUANGJIN)
    [household] = await seed_households(clean_database.owner_url)
    visit = inspection(household, wages=1000, visited_at="2025-01-05T10:00:00+08:00")
    await admin.post("/api/v1/inspections", json=visit, headers=village)
    [alert] = (await admin.get("/api/v1/alerts", headers=village)).json()["items"]
    case = (await admin.post("/api/v1/cases", json={"alert_ids": [alert["id"]]}, headers=village)).json()
    overdue = (await admin.get("/api/v1/cases", params={"overdue": "true"}, headers=village)).json()["items"]
    assert [c["id"] for c in overdue] == [case["id"]]
    assert overdue[0]["decision_due_on"] == "2025-01-15"


async def test_one_person_never_approves_what_they_passed_on(
    admin: httpx.AsyncClient,
    user_headers,
    clean_database: Database,  # noqa: ANN001
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    county = await user_headers("county", "county_admin", "610924000000")
    other = await user_headers("county2", "county_admin", "610924000000")
    [household] = await seed_households(clean_database.owner_url)
    await admin.post("/api/v1/inspections", json=inspection(household, wages=1000), headers=county)
    [alert] = (await admin.get("/api/v1/alerts", headers=county)).json()["items"]
    case = (await admin.post("/api/v1/cases", json={"alert_ids": [alert["id"]]}, headers=county)).json()
    case = (await step(admin, case, county, "start_notice", notice_ends_on=china_today().isoformat())).json()
    await end_notice_period(clean_database, case["id"])
    case = (await step(admin, case, county, "submit")).json()  # the county acting for the village
    refused = await step(admin, case, county, "approve")
    assert refused.status_code == 403 and refused.json()["code"] == "four_eyes"
    case = (await step(admin, case, other, "approve")).json()
    assert case["state"] == "county_review"
    refused = await step(admin, case, other, "approve", monitoring_type="sudden_hardship")
    assert refused.status_code == 403 and refused.json()["code"] == "four_eyes"
    case = (await step(admin, case, county, "approve", monitoring_type="sudden_hardship")).json()
    assert case["state"] == "enrolled"
