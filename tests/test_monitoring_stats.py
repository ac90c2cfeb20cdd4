"""Monitoring statistics of an area on a date, through the gateway: households by case state and type,
cases past the time limit, open and overdue alerts, visit compliance, by child area, as things stood.

The cases go through the workflow by the API; their steps happen "now", so afterwards the steps are
moved to the days they stand for (as the days of a public notice are, in test_cases).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.common.calendar import CHINA, china_today
from services.monitoring.codes import RiskCode
from tests.support.database import libpq_url
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.registry import (
    COUNTY,
    HUANGJIN,
    LONGQUAN,
    OTHER_TOWN,
    SHUANGFENG,
    TOWN,
    make_areas,
    make_household,
    member,
)
from tests.support.system import Database

URL = "/api/v1/monitoring-stats"
SINCE = "2024-12-01"


def noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), CHINA)


async def sql(database: Database, statement: str, *args: Any) -> None:
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def backdate(database: Database, case_id: str, days: list[str]) -> None:
    """The case's steps, in order, were taken on these days; it was opened (from its alerts) on the first."""
    conn = await asyncpg.connect(libpq_url(database.owner_url))
    try:
        events = await conn.fetch(
            "SELECT id FROM monitoring.case_events WHERE case_id = $1 ORDER BY id", uuid.UUID(case_id)
        )
        assert len(events) == len(days), (len(events), days)
        for event, day in zip(events, days, strict=True):
            await conn.execute(
                "UPDATE monitoring.case_events SET at = $2 WHERE id = $1", event["id"], noon(day)
            )
        opened = noon(days[0])
        await conn.execute(
            "UPDATE monitoring.cases SET opened_at = $2 WHERE id = $1", uuid.UUID(case_id), opened
        )
        await conn.execute(
            "UPDATE monitoring.alerts SET handled_at = $2 WHERE case_id = $1", uuid.UUID(case_id), opened
        )
    finally:
        await conn.close()


async def visit(
    admin: httpx.AsyncClient, household: dict, day: str, *, poor: bool, at: str = "10:00", **answers: Any
) -> None:
    body = inspection(household["id"], visited_at=f"{day}T{at}:00+08:00", area_code=household["area_code"])
    body |= {"income": {"wages": 1000}} if poor else {}
    response = await admin.post("/api/v1/inspections", json=body | answers)
    assert response.status_code == 201, response.text


async def alerts_of(admin: httpx.AsyncClient, household: dict) -> list[dict]:
    response = await admin.get("/api/v1/alerts", params={"household_id": household["id"]})
    return response.json()["items"]


async def open_case(admin: httpx.AsyncClient, household: dict, headers: dict) -> dict:
    ids = [a["id"] for a in await alerts_of(admin, household) if a["state"] in ("open", "acknowledged")]
    response = await admin.post("/api/v1/cases", json={"alert_ids": ids}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def step(
    admin: httpx.AsyncClient, case: dict, headers: dict, action: str, **body: Any
) -> dict[str, Any]:
    payload = {"action": action, "base_version": case["version"]} | body
    response = await admin.post(f"/api/v1/cases/{case['id']}/actions", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def enrol(
    admin: httpx.AsyncClient, database: Database, case: dict, levels: dict, monitoring_type: str
) -> dict:
    """Village deliberation and notice (by the county acting for the village), town and county approval."""
    case = await step(admin, case, levels["county"], "start_notice", notice_ends_on=china_today().isoformat())
    await sql(
        database,
        "UPDATE monitoring.cases SET notice_ends_on = notice_ends_on - 7 WHERE id = $1",
        uuid.UUID(case["id"]),
    )
    case = await step(admin, case, levels["county"], "submit")
    case = await step(admin, case, levels["town"], "approve")
    return await step(admin, case, levels["county"], "approve", monitoring_type=monitoring_type)


async def pair(
    system: FastAPI, admin: httpx.AsyncClient, name: str, village: str, pairs: list[tuple[dict, str]]
) -> str:
    """Pairs the households with a new cadre; monitoring learns of it from the registry's events."""
    cadre = await admin.post("/api/v1/cadres", json={"area_code": village, "name": name, "unit": "镇政府"})
    assert cadre.status_code == 201, cadre.text
    for household, starts_on in pairs:
        body = {"household_id": household["id"], "starts_on": starts_on}
        paired = await admin.post(f"/api/v1/cadres/{cadre.json()['id']}/assignments", json=body)
        assert paired.status_code == 201, paired.text
    await relay_of(system, "registry").deliver_pending()
    return cadre.json()["id"]


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures without their zeros, as (households, people, unsized) and (open, overdue) tuples."""

    def tally(t: dict[str, Any]) -> tuple[int, int, int]:
        return t["households"], t["people"], t["households_unsized"]

    assert len(figures["monitored_by_type"]) == 3 and len(figures["cases_by_state"]) == 10
    assert len(figures["alerts"]["by_risk"]) == len(RiskCode)
    visits = figures["visits"]
    return {
        "monitored": tally(figures["monitored"]),
        "types": {t["monitoring_type"]: tally(t) for t in figures["monitored_by_type"] if t["households"]},
        "states": {s["state"]: tally(s) for s in figures["cases_by_state"] if s["households"]},
        "past_limit": figures["cases_past_limit"],
        "alerts": (figures["alerts"]["open"], figures["alerts"]["overdue"]),
        "risks": {
            r["risk_code"]: (r["open"], r["overdue"]) for r in figures["alerts"]["by_risk"] if r["open"]
        },
        "visits": visits
        and (visits["pairings"], visits["visited"], visits["not_yet_due"], visits["overdue"]),
    }


def assert_children_add_up(body: dict[str, Any]) -> None:
    parent = summary(body)
    children = [summary(c) for c in body["children"]]
    for key in ("monitored", "alerts", "visits"):
        assert tuple(map(sum, zip(*(c[key] for c in children), strict=True))) == parent[key], key
    assert sum(c["past_limit"] for c in children) == parent["past_limit"]


async def test_figures_of_a_town_and_its_villages_as_they_stood(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025, alert_decision_days=20, visit_interval_days=30, exit_waiting_days=0)
    levels = {
        "county": await user_headers("county", "county_admin", COUNTY),
        "town": await user_headers("town", "town_reviewer", TOWN),
    }
    # People are the registry's members on the day (registered 2024-12-01), whatever a visit types.
    h1, h2, h5, h8 = [
        await make_household(admin, HUANGJIN, members=n, registered_on=SINCE) for n in (4, 3, 4, 2)
    ]
    h3, h4, h6 = [await make_household(admin, LONGQUAN, members=n, registered_on=SINCE) for n in (5, 2, 2)]
    h7 = await make_household(admin, SHUANGFENG, members=4, registered_on=SINCE)
    li = await pair(system, admin, "李干部", HUANGJIN, [(h1, "2025-01-01"), (h2, "2025-01-01")])
    wang = await pair(system, admin, "王干部", LONGQUAN, [(h3, "2025-01-01"), (h4, "2025-04-25")])

    # h1: found poor on 3-01, enrolled (边缘易致贫) on 3-15; a clean visit on 4-15 (a child born: five
    # people now) proposes exit.
    await visit(admin, h1, "2025-03-01", poor=True, cadre_id=li, household_size=4)
    case1 = await enrol(
        admin, clean_database, await open_case(admin, h1, levels["county"]), levels, "marginal"
    )
    born = member("child", name="王小宝", registered_on="2025-04-15")
    assert (await admin.post(f"/api/v1/households/{h1['id']}/members", json=born)).status_code == 201
    await relay_of(system, "registry").deliver_pending()  # monitoring learns of the birth
    await visit(admin, h1, "2025-04-15", poor=False, cadre_id=li, household_size=5)
    # h2: found on 3-05, still in village deliberation (due 3-25, so past the limit from 3-26).
    await visit(admin, h2, "2025-03-05", poor=True, cadre_id=li, household_size=3)
    case2 = await open_case(admin, h2, levels["county"])
    # h3: found on 3-01 (due 3-21), rejected by the village on 4-10; found again on 4-12 (by someone
    # else), rejected again on 4-14: one rejected household.
    await visit(admin, h3, "2025-03-01", poor=True, cadre_id=wang, household_size=5)
    case3 = await open_case(admin, h3, levels["county"])
    await step(admin, case3, levels["county"], "reject", reason="核实有稳定经营收入")
    await visit(admin, h3, "2025-04-12", poor=True, household_size=5)
    case3b = await open_case(admin, h3, levels["county"])
    await step(admin, case3b, levels["county"], "reject", reason="复核仍有稳定经营收入")
    # h4: paired on 4-25, found poor on 4-20 by someone else; the alert is still open.
    await visit(admin, h4, "2025-04-20", poor=True, household_size=2)
    # h5: two risks found on 3-10 (just after midnight: still 3-09 in UTC); one acknowledged on 3-12 and
    # still live, the other dismissed on 4-05.
    await visit(admin, h5, "2025-03-10", poor=True, at="00:30", housing_grade="D", household_size=4)
    alerts = {a["risk_code"]: a for a in await alerts_of(admin, h5)}
    acknowledged = await admin.post(
        f"/api/v1/alerts/{alerts['low_income']['id']}/acknowledge",
        json={"base_version": alerts["low_income"]["version"]},
    )
    dismissed = await admin.post(
        f"/api/v1/alerts/{alerts['unsafe_housing']['id']}/dismiss",
        json={"base_version": alerts["unsafe_housing"]["version"], "reason": "已完成危房改造"},
    )
    assert (acknowledged.status_code, dismissed.status_code) == (200, 200), dismissed.text
    # h6: found on 4-01, enrolled (脱贫不稳定) on 4-20.
    await visit(admin, h6, "2025-04-01", poor=True, household_size=2)
    case6 = await enrol(
        admin, clean_database, await open_case(admin, h6, levels["county"]), levels, "unstable"
    )
    # h7, in another town: found on 3-01, in village deliberation ever since.
    await visit(admin, h7, "2025-03-01", poor=True)
    case7 = await open_case(admin, h7, levels["county"])

    await backdate(
        clean_database,
        case1["id"],
        ["2025-03-02", "2025-03-03", "2025-03-10", "2025-03-12", "2025-03-15", "2025-04-15"],
    )
    await backdate(clean_database, case2["id"], ["2025-03-06"])
    await backdate(clean_database, case3["id"], ["2025-03-02", "2025-04-10"])
    await backdate(clean_database, case3b["id"], ["2025-04-13", "2025-04-14"])
    await backdate(
        clean_database, case6["id"], ["2025-04-02", "2025-04-03", "2025-04-08", "2025-04-10", "2025-04-20"]
    )
    await backdate(clean_database, case7["id"], ["2025-03-02"])
    for risk, day in (("low_income", "2025-03-12"), ("unsafe_housing", "2025-04-05")):
        await sql(
            clean_database,
            "UPDATE monitoring.alerts SET handled_at = $2 WHERE id = $1",
            uuid.UUID(alerts[risk]["id"]),
            noon(day),
        )

    before = await admin.get(URL, params={"area": TOWN, "as_of": "2025-03-22"})
    assert before.status_code == 200, before.text
    body = before.json()
    assert (body["area_code"], body["as_of"]) == (TOWN, "2025-03-22")
    assert summary(body) == {
        "monitored": (1, 4, 0),
        "types": {"marginal": (1, 4, 0)},
        "states": {"enrolled": (1, 4, 0), "village_deliberation": (2, 8, 0)},
        "past_limit": 1,  # h3: due 3-21
        "alerts": (2, 0),  # h5's two, due 3-30
        "risks": {"low_income": (1, 0), "unsafe_housing": (1, 0)},
        "visits": (3, 3, 0, 0),  # h4 not yet paired
    }
    assert [c["area_code"] for c in body["children"]] == [HUANGJIN, LONGQUAN]
    huangjin, longquan = (summary(c) for c in body["children"])
    assert huangjin["states"] == {"enrolled": (1, 4, 0), "village_deliberation": (1, 3, 0)}
    assert (huangjin["past_limit"], huangjin["alerts"], huangjin["visits"]) == (0, (2, 0), (2, 2, 0, 0))
    assert longquan["states"] == {"village_deliberation": (1, 5, 0)}
    assert (longquan["past_limit"], longquan["alerts"], longquan["visits"]) == (1, (0, 0), (1, 1, 0, 0))
    assert_children_add_up(body)

    # The limits' edges: h3 is due on 3-21 and h2 on 3-25, h5's alerts on 3-30 (China's calendar, though
    # raised on 3-09 in UTC), each past it from the day after; h6, in county review, has no type yet.
    edges = {
        "2025-03-21": {"past_limit": 0, "alerts": (2, 0)},
        "2025-03-30": {"past_limit": 2, "alerts": (2, 0)},
        "2025-03-31": {"past_limit": 2, "alerts": (2, 2)},
        "2025-04-10": {
            "types": {"marginal": (1, 4, 0)},
            "states": {
                "enrolled": (1, 4, 0),
                "village_deliberation": (1, 3, 0),
                "county_review": (1, 2, 0),
                "rejected": (1, 5, 0),
            },
            "past_limit": 1,
            "alerts": (1, 1),
        },
    }
    for day, expected in edges.items():
        then = summary((await admin.get(URL, params={"area": TOWN, "as_of": day})).json())
        assert {key: then[key] for key in expected} == expected, day

    after = (await admin.get(URL, params={"area": TOWN, "as_of": "2025-04-30"})).json()
    assert summary(after) == {
        "monitored": (2, 7, 0),
        "types": {"marginal": (1, 5, 0), "unstable": (1, 2, 0)},
        "states": {
            "enrolled": (1, 2, 0),
            "exit_village": (1, 5, 0),
            "village_deliberation": (1, 3, 0),
            "rejected": (1, 5, 0),
        },
        "past_limit": 1,  # h2: due 3-25; h3 was rejected
        "alerts": (2, 1),  # h5's low income (due 3-30) is overdue, h4's (due 5-10) is not
        "risks": {"low_income": (2, 1)},
        "visits": (4, 1, 1, 2),
    }
    huangjin, longquan = (summary(c) for c in after["children"])
    assert huangjin == {
        "monitored": (1, 5, 0),
        "types": {"marginal": (1, 5, 0)},
        "states": {"exit_village": (1, 5, 0), "village_deliberation": (1, 3, 0)},
        "past_limit": 1,
        "alerts": (1, 1),
        "risks": {"low_income": (1, 1)},
        "visits": (2, 1, 0, 1),  # h1 visited on 4-15; h2 due 4-04
    }
    assert longquan == {
        "monitored": (1, 2, 0),
        "types": {"unstable": (1, 2, 0)},
        "states": {"enrolled": (1, 2, 0), "rejected": (1, 5, 0)},
        "past_limit": 0,
        "alerts": (1, 0),
        "risks": {"low_income": (1, 0)},
        "visits": (2, 0, 1, 1),  # h3 due 3-31; h4 paired on 4-25, due 5-25
    }
    assert_children_add_up(after)
    assert [
        (c["cadre_name"], c["pairings"], c["visited"], c["not_yet_due"], c["overdue"])
        for c in after["visits_by_cadre"]
    ] == [("李干部", 2, 1, 0, 1), ("王干部", 2, 0, 1, 1)]

    # The county: the other town's case, past its limit since 3-22, is counted there only.
    county = (await admin.get(URL, params={"area": COUNTY, "as_of": "2025-04-30"})).json()
    assert [c["area_code"] for c in county["children"]] == [TOWN, OTHER_TOWN]
    town, other = (summary(c) for c in county["children"])
    assert town == summary(after)
    assert (other["states"], other["past_limit"], other["visits"]) == (
        {"village_deliberation": (1, 4, 0)},
        1,
        (0, 0, 0, 0),
    )
    assert (summary(county)["past_limit"], summary(county)["monitored"]) == (2, (2, 7, 0))

    # Today: h8 asks for help itself (no visit: its two members are the registry's) and a case opens.
    declared = {
        "id": str(uuid.uuid4()),
        "household_id": h8["id"],
        "area_code": HUANGJIN,
        "risk_code": "illness",
        "reason": "户主突发重病住院",
    }
    assert (await admin.post("/api/v1/alerts/declarations", json=declared)).status_code == 201
    await open_case(admin, h8, levels["county"])
    today = (await admin.get(URL, params={"area": HUANGJIN})).json()
    assert today["as_of"] == datetime.now(CHINA).date().isoformat()
    assert summary(today)["states"] == {"exit_village": (1, 5, 0), "village_deliberation": (2, 5, 0)}
    assert today["children"] == []


async def test_scope_and_permission(
    system: FastAPI,
    admin: httpx.AsyncClient,
    user_headers,  # noqa: ANN001
    clean_database: Database,
) -> None:
    await make_areas(admin)
    await set_thresholds(admin, 2025)
    household = await make_household(admin, HUANGJIN, members=1)
    li = await pair(system, admin, "李干部", HUANGJIN, [(household, "2025-01-01")])
    await visit(admin, household, "2025-03-01", poor=True, cadre_id=li)
    as_of = {"as_of": "2025-03-31"}

    town = (await admin.get(URL, params={"area": TOWN} | as_of)).json()
    [village_figures] = town["children"]
    cadre = await user_headers("cadre", "village_cadre", HUANGJIN)
    refused = await admin.get(URL, params={"area": TOWN} | as_of, headers=cadre)
    assert (refused.status_code, refused.json()["code"]) == (404, "area_not_found")
    own = (await admin.get(URL, params={"area": HUANGJIN} | as_of, headers=cadre)).json()
    assert {key: own[key] for key in village_figures} == village_figures
    assert summary(own)["alerts"] == (1, 0) and summary(own)["visits"] == (1, 1, 0, 0)

    reviewer = await user_headers("town", "town_reviewer", TOWN)
    for area in (OTHER_TOWN, SHUANGFENG, COUNTY):
        outside = await admin.get(URL, params={"area": area}, headers=reviewer)
        assert (outside.status_code, outside.json()["code"]) == (404, "area_not_found"), area

    # A bureau reads the counts, but not the pairings visit compliance is counted from.
    bureau = await user_headers("bureau", "bureau_partner", COUNTY)
    counts = (await admin.get(URL, params={"area": TOWN} | as_of, headers=bureau)).json()
    assert (counts["visits"], counts["visits_by_cadre"], counts["children"][0]["visits"]) == (
        None,
        None,
        None,
    )
    assert summary(counts) == summary(town) | {"visits": None}

    ops = await user_headers("ops", "ops", COUNTY)
    denied = await admin.get(URL, params={"area": TOWN}, headers=ops)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    province = await admin.get(URL, params={"area": "610000000000"})
    assert (province.status_code, province.json()["code"]) == (422, "area_level")
    for malformed in ("001234000000", "000000000000"):
        assert (await admin.get(URL, params={"area": malformed})).status_code == 404
