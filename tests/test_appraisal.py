"""Appraisal (考核) through the gateway: a score changes when its inputs change (a visit, a closed task)
and lists the figures and thresholds it used; a new scheme version leaves earlier scores as they were;
a figure another service cannot give is named missing while the rest is still scored."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from fangpin.demo_oversight import load_oversight
from tests.conftest import UserFactory
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.oversight import rectification_body, report_body, team_body, unit_body
from tests.support.registry import COUNTY, HUANGJIN, TOWN, make_areas, make_household

SCHEMES, SCORES = "/api/v1/appraisal-schemes", "/api/v1/appraisal-scores"


def rule(indicator: str, weight: int, full_at: int = 100, zero_below: int = 0) -> dict[str, Any]:
    return {"indicator": indicator, "weight": weight, "full_at": full_at, "zero_below": zero_below}


def scheme(level: str = "work_team", year: int = 2025, **fields: Any) -> dict[str, Any]:
    body = {
        "area_code": COUNTY,
        "year": year,
        "level": level,
        "indicators": [
            rule("visit_compliance", 40),
            rule("tasks_closed_on_time", 40),
            rule("days_in_village", 20, full_at=100, zero_below=50),
        ],
        "note": "县考核办法",
    }
    return body | fields


async def scores(client: httpx.AsyncClient, level: str, as_of: str, **params: str) -> list[dict[str, Any]]:
    answer = await client.get(SCORES, params={"level": level, "area": HUANGJIN, "as_of": as_of} | params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def by_indicator(unit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["indicator"]: i for i in unit["indicators"]}


async def station(system: FastAPI, admin: httpx.AsyncClient) -> dict[str, Any]:
    """黄金村: two households paired with 李干部 from 2025-01-01 (a visit due every 90 days), a team whose
    first secretary is 李干部, and 篇4's rectification item (due 2025-03-30)."""
    await make_areas(admin)
    await set_thresholds(admin, 2025, visit_interval_days=90)
    households = [await make_household(admin, HUANGJIN, members=1) for _ in range(2)]
    cadre = await admin.post("/api/v1/cadres", json={"area_code": HUANGJIN, "name": "李干部", "unit": "县局"})
    assert cadre.status_code == 201, cadre.text
    for household in households:
        body = {"household_id": household["id"], "starts_on": "2025-01-01"}
        paired = await admin.post(f"/api/v1/cadres/{cadre.json()['id']}/assignments", json=body)
        assert paired.status_code == 201, paired.text
    # The pairings reach monitoring by the registry's events (the relay also runs on its own).
    for _ in range(50):
        await relay_of(system, "registry").deliver_pending()
        visits = await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})
        if visits.json()["pairings"] == 2:
            break
        await asyncio.sleep(0.1)
    assert visits.json()["pairings"] == 2, visits.text
    unit = await admin.post("/api/v1/support-units", json=unit_body())
    assert unit.status_code == 201, unit.text
    team = team_body(unit.json()["id"])
    team["members"][0]["cadre_id"] = cadre.json()["id"]
    assert (await admin.post("/api/v1/work-teams", json=team)).status_code == 201
    item = await admin.post("/api/v1/rectifications", json=rectification_body())
    assert item.status_code == 201, item.text
    return {"households": households, "cadre": cadre.json()["id"], "team": team, "item": item.json()}


async def test_a_score_changes_with_a_visit_and_a_closed_task_and_lists_the_figures_it_used(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    world = await station(system, admin)
    [unschemed] = await scores(admin, "work_team", "2025-06-30")
    assert (unschemed["scheme_id"], unschemed["total"], unschemed["indicators"]) == (None, None, [])
    assert "No work_team appraisal scheme of 2025 is in force" in unschemed["reason"]
    assert (await admin.put(SCHEMES, json=scheme())).status_code == 201
    [team] = await scores(admin, "work_team", "2025-06-30")
    assert (team["unit_id"], team["village_code"], team["scheme_version"]) == (
        world["team"]["id"],
        HUANGJIN,
        1,
    )
    assert (team["total"], team["complete"], team["missing"]) == (0, True, [])
    visits = by_indicator(team)["visit_compliance"]
    assert visits["figures"] == {"pairings": 2, "visited": 0, "not_yet_due": 0, "overdue": 2}
    assert (visits["ratio_pct"], visits["score"], visits["full_at"], visits["weight"]) == (0, 0, 100, 40)
    assert "0 of 2" in visits["reason"] and "monitoring" in visits["source"]
    tasks = by_indicator(team)["tasks_closed_on_time"]
    assert tasks["figures"] == {"counted": 1, "closed_on_time": 0, "closed_late": 0, "open_past_deadline": 1}
    days = by_indicator(team)["days_in_village"]
    assert (days["figures"]["members"], days["figures"]["target_days"], days["score"]) == (3, 660, 0)
    assert "below the floor of 50%" in days["reason"]

    # One of the two households visited by its cadre: half the visits were on time.
    visit = inspection(
        world["households"][0]["id"], visited_at="2025-05-20T10:00:00+08:00", cadre_id=world["cadre"]
    )
    assert (await admin.post("/api/v1/inspections", json=visit)).status_code == 201
    [team] = await scores(admin, "work_team", "2025-06-30")
    visits = by_indicator(team)["visit_compliance"]
    assert visits["figures"] == {"pairings": 2, "visited": 1, "not_yet_due": 0, "overdue": 1}
    assert (visits["ratio_pct"], visits["score"], visits["points"], team["total"]) == (50, 50, 20, 20)
    assert "1 of 2" in visits["reason"] and "20 points" in visits["reason"]

    # The item closed (销号) by the town on 3/29, before its deadline: all tasks on time.
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    url = f"/api/v1/rectifications/{world['item']['id']}"
    assert (await client.post(f"{url}/reports", json=report_body(), headers=village)).status_code == 201
    assert (await client.post(f"{url}/submit", json={}, headers=village)).status_code == 200
    closed = await client.post(f"{url}/review", json={"decision": "close", "on": "2025-03-29"}, headers=town)
    assert closed.status_code == 200, closed.text
    [team] = await scores(admin, "work_team", "2025-06-30")
    tasks = by_indicator(team)["tasks_closed_on_time"]
    assert tasks["figures"] == {"counted": 1, "closed_on_time": 1, "closed_late": 0, "open_past_deadline": 0}
    assert (tasks["score"], tasks["points"], team["total"]) == (100, 40, 60)
    # As of a day before the deadline nothing was due yet: not scored, left out of the total.
    [early] = await scores(admin, "work_team", "2025-03-20")
    early_tasks, early_visits = (
        by_indicator(early)["tasks_closed_on_time"],
        by_indicator(early)["visit_compliance"],
    )
    assert (early_tasks["status"], early_tasks["score"], early_tasks["figures"]["counted"]) == (
        "not_applicable",
        None,
        0,
    )
    assert "nothing to count" in early_tasks["reason"]
    assert (early_visits["status"], early_visits["figures"]["not_yet_due"]) == ("not_applicable", 2)
    assert (early["total"], early["complete"]) == (0, True)  # days_in_village alone: 0 of its 20
    # The village level scores 黄金村 with the same figures; the cadre level 李干部's own pairings.
    assert (await admin.put(SCHEMES, json=scheme("village"))).status_code == 201
    [village_score] = await scores(admin, "village", "2025-06-30")
    assert (village_score["unit_id"], village_score["name"], village_score["total"]) == (None, HUANGJIN, 60)
    cadre_scheme = scheme("cadre", indicators=[rule("visit_compliance", 100, full_at=90, zero_below=40)])
    assert (await admin.put(SCHEMES, json=cadre_scheme)).status_code == 201
    members = {m["name"]: m for m in await scores(admin, "cadre", "2025-06-30")}
    mine = by_indicator(members["王书记"])["visit_compliance"]
    assert (members["王书记"]["cadre_id"], mine["figures"]["visited"], mine["score"]) == (
        world["cadre"],
        1,
        20,
    )
    assert members["李队长"]["missing"] == ["visit_compliance"]  # not one of the registry's cadres
    assert "not one of the registry's cadres" in by_indicator(members["李队长"])["visit_compliance"]["reason"]


async def test_a_new_scheme_version_leaves_earlier_scores_as_they_were(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await station(system, admin)
    first = await admin.put(SCHEMES, json=scheme())
    assert (first.status_code, first.json()["version"], first.json()["effective_from"]) == (
        201,
        1,
        "2025-01-01",
    )
    again = await admin.put(SCHEMES, json=scheme())  # a retry: the same version, nothing new
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    # The same new scheme sent three times at once: one new version, the others answered as retries.
    racing = scheme(note="县考核办法（修订）")
    answers = await asyncio.gather(*(admin.put(SCHEMES, json=racing) for _ in range(3)))
    assert sorted(a.status_code for a in answers) == [200, 200, 201], [a.text for a in answers]
    assert {a.json()["version"] for a in answers} == {2}
    last_year = await scores(admin, "work_team", "2025-12-31")
    june = await scores(admin, "work_team", "2025-06-30")
    assert last_year[0]["scheme_version"] == 2

    # Next year's scheme (tasks only) leaves 2025's scores as they were and applies to 2026's.
    next_year = scheme(year=2026, indicators=[rule("tasks_closed_on_time", 100)])
    assert (await admin.put(SCHEMES, json=next_year)).json()["version"] == 1
    assert await scores(admin, "work_team", "2025-12-31") == last_year
    [in_2026] = await scores(admin, "work_team", "2026-01-31")
    assert [i["indicator"] for i in in_2026["indicators"]] == ["tasks_closed_on_time"]

    # A second 2025 version from July: June's scores keep version 1, December's use version 2.
    stricter = scheme(
        effective_from="2025-07-01", indicators=[rule("visit_compliance", 100, full_at=95, zero_below=60)]
    )
    second = await admin.put(SCHEMES, json=stricter)
    assert (second.status_code, second.json()["version"]) == (201, 3)
    assert await scores(admin, "work_team", "2025-06-30") == june
    [december] = await scores(admin, "work_team", "2025-12-31")
    assert (december["scheme_version"], by_indicator(december)["visit_compliance"]["full_at"]) == (3, 95)
    # A version may not start before the one it supersedes (that would rewrite earlier scores).
    back = await admin.put(SCHEMES, json=scheme(effective_from="2025-03-01"))
    assert (back.status_code, back.json()["code"]) == (422, "effective_before_latest")

    # Nor may the village's own scheme start before the county's in force there (June's scores stand).
    early_own = scheme(
        area_code=HUANGJIN, effective_from="2025-06-01", indicators=[rule("days_in_village", 100)]
    )
    refused_own = await admin.put(SCHEMES, json=early_own)
    assert (refused_own.status_code, refused_own.json()["code"]) == (422, "effective_before_latest")
    assert (
        "The scheme of 610924000000 (version 3) is in force here from 2025-07-01"
        in refused_own.json()["detail"]
    )
    # A scheme set for the village wins over the county's for its units.
    own = scheme(area_code=HUANGJIN, effective_from="2025-12-01", indicators=[rule("days_in_village", 100)])
    assert (await admin.put(SCHEMES, json=own)).status_code == 201
    [village_own] = await scores(admin, "work_team", "2025-12-31")
    assert (village_own["scheme_area_code"], village_own["scheme_version"]) == (HUANGJIN, 1)
    assert await scores(admin, "work_team", "2025-06-30") == june

    # The town reads the county's schemes but may not set one; bad schemes change nothing.
    town = await user_headers("zhen", "town_reviewer", TOWN)
    listed = await client.get(SCHEMES, params={"year": 2025, "level": "work_team"}, headers=town)
    assert [(s["area_code"], s["version"]) for s in listed.json()] == [
        (COUNTY, 3),
        (COUNTY, 2),
        (COUNTY, 1),
        (HUANGJIN, 1),
    ]
    refused = await client.put(SCHEMES, json=scheme(area_code=TOWN), headers=town)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    bad = [
        (scheme(indicators=[rule("visit_compliance", 60)]), "weights_not_100"),
        (
            scheme(indicators=[rule("visit_compliance", 50), rule("visit_compliance", 50)]),
            "indicator_repeated",
        ),
        (scheme("cadre", indicators=[rule("tasks_closed_on_time", 100)]), "indicator_not_for_level"),
        (scheme(effective_from="2026-01-01"), "effective_from_outside_year"),
    ]
    for body, code in bad:
        answer = await admin.put(SCHEMES, json=body)
        assert (answer.status_code, answer.json()["code"]) == (422, code), answer.text
    floor_above = await admin.put(SCHEMES, json=scheme(indicators=[rule("visit_compliance", 100, 50, 60)]))
    assert floor_above.status_code == 422
    assert len((await admin.get(SCHEMES, params={"year": 2025})).json()) == 4


async def test_a_figure_another_service_cannot_give_is_named_missing_and_the_rest_is_scored(
    system: FastAPI, admin: httpx.AsyncClient
) -> None:
    await station(system, admin)
    body = scheme(
        indicators=[
            rule("visit_compliance", 30),
            rule("risk_eliminated", 20),
            rule("labour_employed", 20, full_at=80),
            rule("tasks_closed_on_time", 30),
        ]
    )
    assert (await admin.put(SCHEMES, json=body)).status_code == 201
    oversight = system.state.local_apps["oversight"]
    monitoring = oversight.state.monitoring_peer
    oversight.state.monitoring_peer = httpx.AsyncClient(
        base_url="http://127.0.0.1:9", timeout=2
    )  # nobody there
    try:
        [team] = await scores(admin, "work_team", "2025-06-30")
    finally:
        await oversight.state.monitoring_peer.aclose()
        oversight.state.monitoring_peer = monitoring
    assert (team["complete"], team["missing"]) == (False, ["visit_compliance", "risk_eliminated"])
    visits = by_indicator(team)["visit_compliance"]
    assert (visits["status"], visits["score"], visits["figures"]) == ("missing", None, {})
    assert "the monitoring service did not answer" in visits["reason"]
    # Jobs has nobody with a status in 黄金村: nothing to count; the open item past its deadline scores 0.
    assert by_indicator(team)["labour_employed"]["status"] == "not_applicable"
    assert (by_indicator(team)["tasks_closed_on_time"]["score"], team["total"]) == (0, 0)
    assert "missing: visit_compliance, risk_eliminated" in team["reason"]
    # Back up: every figure read again.
    [team] = await scores(admin, "work_team", "2025-06-30")
    assert (team["complete"], by_indicator(team)["risk_eliminated"]["figures"]) == (
        True,
        {"eliminated": 0, "monitored": 0},
    )


async def test_the_demo_scores_huangjins_team_for_2025_with_its_items(
    admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    await make_areas(admin)
    cadre = await user_headers("cun", "village_cadre", HUANGJIN)
    for _ in range(2):  # loading again makes no second version
        await load_oversight(admin, {}, cadre)
    assert [s["version"] for s in (await admin.get(SCHEMES, params={"year": 2025})).json()] == [1]
    [team] = await scores(admin, "work_team", "2025-12-31")
    assert (team["name"], team["scheme_version"], team["complete"]) == (
        "紫阳县乡村振兴局驻村工作队",
        1,
        True,
    )
    tasks = by_indicator(team)["tasks_closed_on_time"]
    # The tour's finding closed on 3/28 (due 3/30); the audit finding past its deadline, still open.
    assert (tasks["figures"]["closed_on_time"], tasks["figures"]["open_past_deadline"]) == (1, 1)
    days = by_indicator(team)["days_in_village"]
    assert (days["figures"]["members"], days["figures"]["days_present"], days["score"]) == (3, 0, 0)
    assert team["total"] is not None
