"""Enrolment reaches the registry: the county's approval makes the household a 监测户 in the registry
(a ``monitored`` programme period and the category, kept from monitoring's events, exactly once), and
every figure that shows monitored households agrees: registry-stats, monitoring-stats, the employment
statistics of records posted afterwards and the area report; eliminating the risk ends it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI

from services.common.calendar import china_today
from tests.conftest import UserFactory
from tests.support.events import deliver, forget_positions, relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import COUNTY, HUANGJIN, TOWN, make_areas, make_household
from tests.support.system import Database
from tests.test_cases import end_notice_period, step

REPORT = "/api/v1/reports/area-summary"


class Levels:
    def __init__(self, village: dict, town: dict, county: dict) -> None:
        self.village, self.town, self.county = village, town, county


async def levels(user_headers: UserFactory) -> Levels:
    return Levels(
        await user_headers("cadre", "village_cadre", HUANGJIN),
        await user_headers("town", "town_reviewer", TOWN),
        await user_headers("county", "county_admin", COUNTY),
    )


async def enrol(admin: httpx.AsyncClient, db: Database, who: Levels, household: dict, kind: str) -> dict:
    """Through the whole workflow: a poor visit's alert, village, notice, town, county."""
    today = china_today()
    poor = inspection(household["id"], wages=8000, visited_at=f"{today}T09:00:00+08:00")
    assert (await admin.post("/api/v1/inspections", json=poor, headers=who.village)).status_code == 201
    alerts = await admin.get("/api/v1/alerts", params={"household_id": household["id"]}, headers=who.village)
    opened = await admin.post(
        "/api/v1/cases", json={"alert_ids": [a["id"] for a in alerts.json()["items"]]}, headers=who.village
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    case = (await step(admin, case, who.village, "start_notice", notice_ends_on=str(today))).json()
    await end_notice_period(db, case["id"])
    case = (await step(admin, case, who.village, "submit")).json()
    case = (await step(admin, case, who.town, "approve")).json()
    approved = await step(admin, case, who.county, "approve", monitoring_type=kind)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "enrolled"
    return approved.json()


async def eliminate(admin: httpx.AsyncClient, who: Levels, case: dict) -> dict:
    case = (await step(admin, case, who.village, "propose_exit")).json()
    case = (await step(admin, case, who.village, "submit")).json()
    case = (await step(admin, case, who.town, "approve")).json()
    done = await step(admin, case, who.county, "approve")
    assert done.status_code == 200 and done.json()["state"] == "eliminated", done.text
    return done.json()


def programme(stats: dict, code: str) -> tuple[int, int]:
    found = [(p["households"], p["people"]) for p in stats["programmes"] if p["programme"] == code]
    return found[0] if found else (0, 0)


async def figures(admin: httpx.AsyncClient, day: str) -> dict[str, object]:
    """Monitored households as every service shows them on ``day`` (village 黄金村)."""
    params = {"area": HUANGJIN, "as_of": day}
    registry = (await admin.get("/api/v1/registry-stats/households", params=params)).json()
    monitoring = (await admin.get("/api/v1/monitoring-stats", params=params)).json()
    report = (await admin.get(REPORT, params=params)).json()
    assert report["complete"], report["missing"]
    return {
        "registry": programme(registry, "monitored")[0],
        "monitoring": monitoring["monitored"]["households"],
        "report_registry": programme(report["registry"], "monitored")[0],
        "report_monitoring": report["monitoring"]["monitored"]["households"],
    }


def same(n: int) -> dict[str, int]:
    return dict.fromkeys(("registry", "monitoring", "report_registry", "report_monitoring"), n)


async def away_by_category(admin: httpx.AsyncClient, day: str) -> dict[str, int]:
    stats = await admin.get("/api/v1/employment-stats", params={"area": HUANGJIN, "as_of": day})
    assert stats.status_code == 200, stats.text
    return {
        c["household_category"]: c["current"]
        for c in stats.json()["away_by_household_category"]
        if c["current"]
    }


async def post_away(admin: httpx.AsyncClient, household: dict, day: str, member: int = 0) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "person_id": household["members"][member]["id"],
        "status": "away_out_of_province",
        "source": "door_to_door",
        "reported_on": day,
        "monthly_income": 5000,
    }
    assert (await admin.post("/api/v1/employment-records", json=body)).status_code == 201


async def test_enrolment_makes_a_monitored_household_in_every_figure_and_exit_ends_it(
    admin: httpx.AsyncClient,
    system: FastAPI,
    user_headers: UserFactory,
    clean_database: Database,
) -> None:
    await make_areas(admin)
    today, yesterday = str(china_today()), str(china_today() - timedelta(days=1))
    await set_thresholds(admin, china_today().year, alert_decision_days=20)
    who = await levels(user_headers)
    unstable = await make_household(admin, members=3, category="escaped", registered_on="2020-01-01")
    marginal = await make_household(admin, members=2, registered_on="2020-01-01")
    other = await make_household(admin, members=1, registered_on="2020-01-01")
    await post_away(admin, other, today)  # stays 一般农户
    relay = relay_of(system, "monitoring")
    cases = [
        await enrol(admin, clean_database, who, unstable, "unstable"),
        await enrol(admin, clean_database, who, marginal, "marginal"),
    ]

    # Until monitoring's relay delivers, the registry has not heard: the figures disagree.
    assert (await figures(admin, today))["registry"] == 0
    assert await deliver(relay, 2) == 2
    assert await figures(admin, today) == same(2)
    assert await figures(admin, yesterday) == same(0)  # a 监测户 from the day of the county's approval
    household = (await admin.get(f"/api/v1/households/{marginal['id']}")).json()
    assert (household["category"], household["version"]) == ("monitored", 2)
    periods = await admin.get("/api/v1/programmes", params={"household_id": unstable["id"]})
    assert sorted((p["programme"], p["starts_on"], p["ends_on"]) for p in periods.json()["items"]) == [
        ("escaped", "2020-01-01", None),  # a 脱贫不稳定户 is still a 脱贫户
        ("monitored", today, None),
    ]
    registry = (await admin.get("/api/v1/registry-stats/households", params={"area": HUANGJIN})).json()
    assert programme(registry, "monitored") == (2, 5)  # people: the registry's members
    # The category changed as a new version of the household: the usual event for every follower.
    feed = (await admin.get("/api/v1/registry-events")).json()["items"]
    assert {
        (e["entity_id"], tuple(e["changes"]["category"]))
        for e in feed
        if "household.changed" in e["types"] and "category" in e["fields"]
    } == {(unstable["id"], ("escaped", "monitored")), (marginal["id"], ("ordinary", "monitored"))}

    # Delivered again (as after a relay crash): taken in once, nothing doubled.
    await forget_positions(clean_database, "monitoring")
    assert await deliver(relay, 2) == 2
    assert await figures(admin, today) == same(2)
    periods = await admin.get("/api/v1/programmes", params={"programme": "monitored"})
    assert len(periods.json()["items"]) == 2

    # Employment posted after the enrolment counts its people as 监测户.
    await post_away(admin, unstable, today)
    await post_away(admin, marginal, today)
    assert await away_by_category(admin, today) == {"monitored": 2, "ordinary": 1}
    # A record of a day before the enrolment, posted now, has the category of its day, the registry's.
    await post_away(admin, marginal, yesterday, member=1)
    assert await away_by_category(admin, yesterday) == {"ordinary": 1}
    assert await away_by_category(admin, today) == {"monitored": 2, "ordinary": 2}

    # The risk is eliminated (today): from the end of this day the household is no longer monitored,
    # in every figure, and its category is what it was underneath.
    await eliminate(admin, who, cases[0])
    assert (await figures(admin, today))["monitoring"] == 1
    assert await deliver(relay, 1) == 1
    assert await figures(admin, today) == same(1)
    assert (await admin.get(f"/api/v1/households/{unstable['id']}")).json()["category"] == "escaped"
    await eliminate(admin, who, cases[1])
    assert await deliver(relay, 1) == 1
    assert await figures(admin, today) == same(0)
    assert (await admin.get(f"/api/v1/households/{marginal['id']}")).json()["category"] == "ordinary"


async def test_only_monitoring_delivers_its_events_to_the_registry(
    system: FastAPI, admin_headers: dict[str, str], clean_database: Database
) -> None:
    registry = system.state.local_apps["registry"]
    body = {"source": "monitoring", "events": []}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=registry), base_url="http://r") as direct:
        assert (await direct.post("/internal/v1/events", json=body)).status_code == 401
        person = await direct.post("/internal/v1/events", json=body, headers=admin_headers)
        assert person.status_code == 401
