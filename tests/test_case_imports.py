"""Past cases can be brought in: a county's years of 监测对象 with their real dates, checked item by item,
stored once, and published like the workflow's decisions, so monitoring's and the registry's figures
"as of" a past date show the migrated history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.conftest import UserFactory
from tests.support.database import libpq_url
from tests.support.events import relay_of
from tests.support.registry import HUANGJIN, SHUANGFENG, TOWN, make_areas, make_household
from tests.support.system import Database
from tests.test_enrolment_reaches_registry import away_by_category, deliver, post_away, programme
from tests.test_rollups import reports_verify

URL = "/api/v1/case-imports"


def past(household: dict, identified_on: str, eliminated_on: str | None = None, **fields: object) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "household_id": household["id"],
        "monitoring_type": "marginal",
        "risk_codes": ["low_income"],
        "identified_on": identified_on,
    }
    return body | ({"eliminated_on": eliminated_on} if eliminated_on else {}) | fields


async def monitored(admin: httpx.AsyncClient, day: str) -> tuple[int, int]:
    """监测户 in 黄金村 at the end of ``day``: the registry's periods, monitoring's cases."""
    params = {"area": HUANGJIN, "as_of": day}
    registry = (await admin.get("/api/v1/registry-stats/households", params=params)).json()
    monitoring = (await admin.get("/api/v1/monitoring-stats", params=params)).json()
    return programme(registry, "monitored")[0], monitoring["monitored"]["households"]


async def test_past_cases_give_the_monitored_counts_of_past_dates_and_bad_rows_are_refused_alone(
    admin: httpx.AsyncClient, system: FastAPI, user_headers: UserFactory, clean_database: Database
) -> None:
    await make_areas(admin)
    county = await user_headers("importer", "county_admin", TOWN)
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    unstable = await make_household(admin, members=3, category="escaped", registered_on="2019-01-01")
    marginal = await make_household(admin, members=2, registered_on="2019-01-01")
    late = await make_household(admin, members=1, registered_on="2019-01-01")
    elsewhere = await make_household(admin, SHUANGFENG, members=1, registered_on="2019-01-01")
    recent = await make_household(admin, members=1, registered_on="2022-01-01")
    tomorrow = str(china_today() + timedelta(days=1))
    items = [
        past(unstable, "2021-03-15", "2023-06-30", monitoring_type="unstable", first_alert_on="2021-02-20"),
        past(marginal, "2022-05-10", note="原系统编号 JC-0042"),
        past(late, "2023-07-01", "2023-05-01"),
        past(late, tomorrow),
        past(elsewhere, "2022-01-01"),
        past(unstable, "2022-01-01"),  # while its first case ran
        past(unstable, "2024-03-01", "2024-09-30", first_alert_on="2024-02-01"),
        past(late, "2023-01-01", first_alert_on="2023-02-01"),
        past(recent, "2021-06-01"),  # before the registry knew the household
    ]
    assert (await admin.post(URL, json={"items": items}, headers=cadre)).status_code == 403
    answer = await admin.post(URL, json={"items": items}, headers=county)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [(i["status"], (i["error"] or {}).get("code")) for i in result["items"]] == [
        ("created", None),
        ("created", None),
        ("invalid", "identified_after_eliminated"),
        ("invalid", "date_in_future"),
        ("invalid", "household_not_found"),
        ("conflict", "case_overlap"),
        ("created", None),
        ("invalid", "alerted_after_identified"),
        ("invalid", "before_registration"),
    ]
    assert (result["created"], result["duplicates"], result["failed"]) == (3, 0, 6)
    reasons = [i["error"]["detail"] for i in result["items"] if i["error"]]
    assert "Identified on 2023-07-01, after or on the day its risk was eliminated (2023-05-01)" in reasons[0]
    assert f"{tomorrow} is in the future" in reasons[1]

    assert await deliver(relay_of(system, "monitoring"), 5) == 5  # 3 enrolments, 2 exits
    expected = {
        "2021-03-14": 0,
        "2021-03-15": 1,
        "2022-05-10": 2,
        "2023-05-31": 2,
        "2023-06-29": 2,
        "2023-06-30": 1,  # the risk gone that day
        "2024-02-29": 1,
        "2024-03-01": 2,
        "2024-09-30": 1,
        str(china_today()): 1,
    }
    assert {day: await monitored(admin, day) for day in expected} == {d: (n, n) for d, n in expected.items()}
    periods = await admin.get("/api/v1/programmes", params={"household_id": unstable["id"]})
    assert sorted((p["programme"], p["starts_on"], p["ends_on"]) for p in periods.json()["items"]) == [
        ("escaped", "2019-01-01", None),
        ("monitored", "2021-03-15", "2023-06-29"),
        ("monitored", "2024-03-01", "2024-09-29"),
    ]
    assert (await admin.get(f"/api/v1/households/{unstable['id']}")).json()["category"] == "escaped"
    # Work reported on a past day counts under the category the registry's periods give that day.
    await post_away(admin, unstable, "2022-06-01")
    await post_away(admin, unstable, "2023-08-01", member=1)
    assert await away_by_category(admin, "2023-08-01") == {"monitored": 1, "escaped": 1}
    assert (await admin.get(f"/api/v1/households/{marginal['id']}")).json()["category"] == "monitored"
    case = (await admin.get(f"/api/v1/cases/{items[0]['id']}")).json()
    assert (case["state"], case["enrolled_on"], case["eliminated_on"]) == (
        "eliminated",
        "2021-03-15",
        "2023-06-30",
    )
    assert [(h["action"], h["to_state"], h["at"][:10]) for h in case["history"]] == [
        ("import", "enrolled", "2021-03-15"),
        ("import", "eliminated", "2023-06-30"),
    ]

    # Sent again: the same cases are duplicates, nothing is published twice; another body under a
    # used id is a conflict.
    again = (await admin.post(URL, json={"items": items}, headers=county)).json()
    assert [i["status"] for i in again["items"]][:2] == ["duplicate", "duplicate"]
    assert (again["created"], again["duplicates"]) == (0, 3)
    changed = items[1] | {"identified_on": "2022-05-11"}
    reused = (await admin.post(URL, json={"items": [changed]}, headers=county)).json()["items"][0]
    assert (reused["status"], reused["error"]["code"]) == ("conflict", "case_id_in_use")

    conn = await asyncpg.connect(libpq_url(clean_database.owner_url))
    try:
        audited = await conn.fetch(
            "SELECT resource_id, actor_id FROM monitoring.audit_log WHERE action = 'case.import'"
        )
        published = await conn.fetchval("SELECT count(*) FROM monitoring.outbox_events")
    finally:
        await conn.close()
    assert published == 5  # nothing published again for the re-sent cases
    assert sorted(r["resource_id"] for r in audited) == sorted(items[i]["id"] for i in (0, 1, 6))

    # The backdated history is counted in the rollups as a recount from the raw rows counts it.
    verified = reports_verify(clean_database, "registry", "monitoring")
    assert verified.returncode == 0, verified.stderr
