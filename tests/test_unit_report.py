"""A support unit's report (篇3) through the gateway, on a small world whose numbers can be checked by
hand: the unit's team in 黄金村 and its days in the village, the items it is responsible for, sessions
in its villages, its cadre's contacts, and projects, money, visits and training read from the other
services for the period 2025-01-01 – 2025-06-30; a service that cannot answer is listed as missing."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import httpx
import openpyxl
from fastapi import FastAPI

from tests.conftest import UserFactory
from tests.support.events import relay_of
from tests.support.monitoring import inspection, set_thresholds
from tests.support.oversight import (
    check_in_body,
    contact_body,
    rectification_body,
    report_body,
    session_body,
    team_body,
    unit_body,
)
from tests.support.projects import WAN, project_body
from tests.support.registry import HUANGJIN, LONGQUAN, SHUANGFENG, TOWN, make_areas, make_household

PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


async def ok(response: Any, status: int = 201) -> dict[str, Any]:
    answer = await response
    assert answer.status_code == status, answer.text
    return dict(answer.json())


async def paired_cadre(system: FastAPI, admin: httpx.AsyncClient) -> tuple[str, list[str]]:
    """李干部 of 黄金村, paired with two households from 2025-01-01 (a visit due every 90 days)."""
    await set_thresholds(admin, 2025, visit_interval_days=90)
    households = [(await make_household(admin, HUANGJIN, members=1))["id"] for _ in range(2)]
    body = {"area_code": HUANGJIN, "name": "李干部", "unit": "县乡村振兴局"}
    cadre = (await ok(admin.post("/api/v1/cadres", json=body)))["id"]
    for household in households:
        pairing = {"household_id": household, "starts_on": "2025-01-01"}
        await ok(admin.post(f"/api/v1/cadres/{cadre}/assignments", json=pairing))
    for _ in range(50):  # the pairings reach monitoring by the registry's events
        await relay_of(system, "registry").deliver_pending()
        visits = await admin.get("/api/v1/visits/compliance", params={"as_of": "2025-06-30"})
        if visits.json()["pairings"] == 2:
            break
        await asyncio.sleep(0.1)
    assert visits.json()["pairings"] == 2, visits.text
    return cadre, households


async def close_item(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    reported_on: str,
    closed_on: str,
    village: dict,
    town: dict,
) -> None:
    url = f"/api/v1/rectifications/{body['id']}"
    await ok(client.post(f"{url}/reports", json=report_body(reported_on=reported_on), headers=village))
    await ok(client.post(f"{url}/submit", json={}, headers=village), 200)
    close = {"decision": "close", "on": closed_on}
    await ok(client.post(f"{url}/review", json=close, headers=town), 200)


async def world(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> dict[str, Any]:
    await make_areas(admin)
    cadre, households = await paired_cadre(system, admin)
    unit = await ok(admin.post("/api/v1/support-units", json=unit_body(villages=[HUANGJIN, LONGQUAN])))
    team = team_body(unit["id"])
    team["members"][0]["cadre_id"] = cadre  # 王书记 is the registry's 李干部's record
    await ok(admin.post("/api/v1/work-teams", json=team))
    first, second = (m["id"] for m in team["members"][:2])
    # 王书记: 3/1 twice (one day) and 3/2; 李队长: 4/10; a day before the period does not count.
    for member, at in (
        (first, "2025-03-01T08:00:00+08:00"),
        (first, "2025-03-01T17:00:00+08:00"),
        (first, "2025-03-02T08:00:00+08:00"),
        (second, "2025-04-10T08:00:00+08:00"),
        (second, "2024-12-31T08:00:00+08:00"),
    ):
        await ok(admin.post("/api/v1/check-ins", json=check_in_body(member, at)))

    # The unit's items: A closed on time, B open past its deadline on 6/30, C from 2024 closed late in
    # the period. Another unit's item in 黄金村 is not the unit's.
    village = await user_headers("cun", "village_cadre", HUANGJIN)
    town = await user_headers("zhen", "town_reviewer", TOWN)
    mine = {"unit_id": unit["id"], "unit_name": None, "milestones": []}
    a = rectification_body(**mine)
    b = rectification_body(received_on="2025-05-01", deadline="2025-06-01", **mine)
    c = rectification_body(received_on="2024-11-01", deadline="2024-12-01", **mine)
    other = rectification_body(milestones=[])
    for body in (a, b, c, other):
        await ok(admin.post("/api/v1/rectifications", json=body))
    await close_item(client, a, "2025-03-16", "2025-03-29", village, town)
    await close_item(client, c, "2024-11-20", "2025-02-10", village, town)

    # Sessions in its villages in the period (and one before it, one in another village).
    for body in (
        session_body(),  # 2025-03-20, 35 cadres
        session_body(LONGQUAN, held_on="2025-04-01", audience="villagers", kind="publicity", attendance=120),
        session_body(held_on="2024-12-01", attendance=50),
        session_body(SHUANGFENG, attendance=40),
    ):
        await ok(admin.post("/api/v1/study-sessions", json=body))
    # 李干部 calls a household, then visits it: two contacts, one visit, one household.
    await ok(admin.post("/api/v1/contacts", json=contact_body(cadre, households[0])))
    visit = contact_body(cadre, households[0], "visit", at="2025-04-05T10:00:00+08:00")
    await ok(admin.post("/api/v1/contacts", json=visit))
    # Monitoring: one of the two pairings visited on 5/20 (visited 1, overdue 1 on 6/30).
    visited = inspection(households[1], visited_at="2025-05-20T10:00:00+08:00", cadre_id=cadre)
    await ok(admin.post("/api/v1/inspections", json=visited))

    # Projects: 黄金村's from 2024 (150万, 70万 paid, 30万 of it in the period); 龙泉村's entered in the
    # period (50万, nothing paid); 双丰村's is not the unit's.
    old = await ok(
        admin.post("/api/v1/projects", json=project_body(HUANGJIN, year=2024, entered_on="2024-06-01"))
    )
    new = project_body(
        LONGQUAN, year=2025, entered_on="2025-03-01", budget=[{"source": "central", "budget_fen": 50 * WAN}]
    )
    await ok(admin.post("/api/v1/projects", json=new))
    await ok(admin.post("/api/v1/projects", json=project_body(SHUANGFENG)))
    for kind, fen, on in (
        ("received", 100, "2024-07-01"),
        ("paid", 40, "2024-08-01"),
        ("paid", 30, "2025-02-01"),
    ):
        money = {
            "id": str(uuid.uuid4()),
            "source": "central",
            "kind": kind,
            "amount_fen": fen * WAN,
            "on": on,
            "voucher": "财预〔2024〕8号",
        }
        await ok(admin.post(f"/api/v1/projects/{old['id']}/fund-movements", json=money))

    # Training in 黄金村: three enrolled, two completed, one placed.
    course = {
        "area_code": HUANGJIN,
        "title": "修脚足疗技能培训班",
        "provider": "远元修脚培训学校",
        "skill": "修脚足疗",
        "starts_on": "2025-02-26",
        "capacity": 5,
    }
    course = await ok(admin.post("/api/v1/training-courses", json=course))
    people = (await make_household(admin, HUANGJIN, members=3))["members"]
    enrolments = []
    for person in people:
        body = {"person_id": person["id"], "enrolled_on": "2025-02-20"}
        enrolments.append(
            await ok(admin.post(f"/api/v1/training-courses/{course['id']}/enrolments", json=body))
        )

    async def step(enrolment: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        payload = {"action": action, "base_version": enrolment["version"]} | body
        return await ok(
            admin.post(f"/api/v1/training-enrolments/{enrolment['id']}/actions", json=payload), 200
        )

    done = [await step(e, "complete", on="2025-03-20", certificate_no="YY-2025-001") for e in enrolments[:2]]
    job = {
        "employer": "远元修脚武汉门店",
        "place": "湖北省武汉市",
        "place_code": "420100000000",
        "started_on": "2025-04-01",
    }
    await step(done[0], "place", placement=job)
    return {"unit": unit, "team": team, "village": village}


async def test_a_units_report_gives_its_teams_tasks_sessions_contacts_and_the_other_services_figures(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    made = await world(system, client, admin, user_headers)
    url = f"/api/v1/support-units/{made['unit']['id']}/report"
    report = await ok(admin.get(url, params=PERIOD), 200)
    assert (report["name"], report["from"], report["to"]) == ("县乡村振兴局", "2025-01-01", "2025-06-30")
    assert report["villages"] == [HUANGJIN, LONGQUAN]
    [team] = report["teams"]
    days = {m["name"]: m["days_present"] for m in team["members"]}
    assert days == {"王书记": 2, "李队长": 1, "张队员": 0}
    assert (team["days_present"], report["members"], report["days_present"]) == (3, 3, 3)
    assert report["tasks"] == {"opened": 2, "closed": 2, "closed_on_time": 1, "open": 1, "overdue": 1}
    assert report["sessions"] == {"sessions": 2, "cadre_attendance": 35, "villager_attendance": 120}
    assert report["contacts"] == {"contacts": 2, "visits": 1, "households": 1}
    villages = {v["village_code"]: v for v in report["by_village"]}
    assert villages[HUANGJIN]["projects"] == {
        "projects": 1,
        "projects_added": 0,
        "budget_fen": 150 * WAN,
        "paid_fen": 70 * WAN,
        "paid_in_period_fen": 30 * WAN,
    }
    assert villages[LONGQUAN]["projects"] == {
        "projects": 1,
        "projects_added": 1,
        "budget_fen": 50 * WAN,
        "paid_fen": 0,
        "paid_in_period_fen": 0,
    }
    assert villages[HUANGJIN]["visits"] == {"pairings": 2, "visited": 1, "not_yet_due": 0, "overdue": 1}
    assert villages[HUANGJIN]["training"] == {"enrolled": 3, "completed": 2, "placed": 1}
    assert villages[LONGQUAN]["training"] == {"enrolled": 0, "completed": 0, "placed": 0}
    assert report["totals"]["budget_fen"] == 200 * WAN and report["totals"]["training_placed"] == 1
    assert report["missing"] == []
    # The same as a workbook: the figures, the members and the villages, each village named.
    book = await asyncio.wait_for(admin.get(url, params=PERIOD | {"format": "xlsx"}), 60)
    assert book.status_code == 200, book.text
    sheets = openpyxl.load_workbook(io.BytesIO(book.content))
    figures = {row[0]: row[1] for row in sheets["概况"].iter_rows(min_row=2, values_only=True)}
    assert (figures["在村天数（期内）"], figures["其中按期销号"], figures["预算（分）"]) == (3, 1, 200 * WAN)
    villages_sheet = list(sheets["分村情况"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[13]) for r in villages_sheet] == [(HUANGJIN, 1, 1), (LONGQUAN, 1, 0)]
    assert len(list(sheets["驻村工作队"].iter_rows(min_row=2))) == 3
    # A period after the enrolments: nobody newly enrolled, the placement before it too.
    later = await ok(admin.get(url, params={"from": "2025-05-01", "to": "2025-06-30"}), 200)
    assert {v["village_code"]: v["training"]["enrolled"] for v in later["by_village"]} == {
        HUANGJIN: 0,
        LONGQUAN: 0,
    }
    assert later["tasks"] == {"opened": 1, "closed": 0, "closed_on_time": 0, "open": 1, "overdue": 1}
    assert [m["days_present"] for m in later["teams"][0]["members"]] == [0, 0, 0]


async def test_a_figure_a_service_cannot_give_is_listed_missing_and_the_report_keeps_to_the_callers_area(
    system: FastAPI, client: httpx.AsyncClient, admin: httpx.AsyncClient, user_headers: UserFactory
) -> None:
    made = await world(system, client, admin, user_headers)
    url = f"/api/v1/support-units/{made['unit']['id']}/report"
    oversight = system.state.local_apps["oversight"]
    projects = oversight.state.projects_peer
    oversight.state.projects_peer = httpx.AsyncClient(
        base_url="http://127.0.0.1:9", timeout=2
    )  # nobody there
    try:
        report = await ok(admin.get(url, params=PERIOD), 200)
    finally:
        await oversight.state.projects_peer.aclose()
        oversight.state.projects_peer = projects
    assert {(m["figure"], m["village_code"]) for m in report["missing"]} == {
        ("projects", HUANGJIN),
        ("projects", LONGQUAN),
    }
    assert all("the projects service did not answer" in m["reason"] for m in report["missing"])
    assert all(v["projects"] is None and v["training"] is not None for v in report["by_village"])
    assert report["totals"]["budget_fen"] == 0 and report["tasks"]["opened"] == 2

    # 黄金村's cadre sees 黄金村 only, with every figure read on its behalf; 双丰村's sees no such unit.
    mine = await ok(client.get(url, params=PERIOD, headers=made["village"]), 200)
    assert mine["villages"] == [HUANGJIN] and [v["village_code"] for v in mine["by_village"]] == [HUANGJIN]
    assert mine["sessions"] == {"sessions": 1, "cadre_attendance": 35, "villager_attendance": 0}
    assert mine["missing"] == [] and mine["by_village"][0]["visits"]["visited"] == 1
    sibling = await user_headers("cun2", "village_cadre", SHUANGFENG)
    hidden = await client.get(url, params=PERIOD, headers=sibling)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "unit_not_found")
    backwards = await admin.get(url, params={"from": "2025-07-01", "to": "2025-06-30"})
    assert (backwards.status_code, backwards.json()["code"]) == (422, "from_after_to")
