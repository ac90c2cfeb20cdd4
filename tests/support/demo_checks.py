"""What the demo holds, read through the gateway of a running `fangpin serve --demo`: the seeds' figures,
篇4's rectifications and sessions, 篇1's visits (tests/test_fuzz.py checks them at the quick start)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psutil

from fangpin.demo_profile import LEADERS


def sign_in_over_http(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def embedded_servers(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def area_report(client: httpx.Client, area: str, as_of: str) -> dict:
    response = client.get("/api/v1/reports/area-summary", params={"area": area, "as_of": as_of})
    assert response.status_code == 200, response.text
    assert response.json()["complete"], response.json()["missing"]
    return response.json()


def assert_demo_figures(client: httpx.Client) -> None:
    """The demo's area reports reproduce the seeds: 篇1's town, 篇5's 黄金村 before and after the merge."""
    town = area_report(client, "610924108000", "2024-06-30")
    programmes = {p["programme"]: (p["households"], p["people"]) for p in town["registry"]["programmes"]}
    assert programmes == {
        "dibao": (1793, 2375),
        "tekun": (662, 674),
        "escaped": (567, 1753),
        "monitored": (27, 83),
    }
    # The same 27, from the same decisions: monitoring's cases (篇1's 边缘易致贫户, enrolled as past cases).
    assert town["monitoring"]["monitored"]["households"] == 27
    before = area_report(client, "610924105201", "2023-06-30")["registry"]
    assert (before["households"], before["people"]) == (216, 783)
    after = area_report(client, "610924105201", "2024-06-30")["registry"]
    assert (after["households"], after["people"]) == (456, 1763)
    longquan = area_report(client, "610924105000", "2023-06-30")["registry"]["children"]
    assert {c["area_code"]: (c["households"], c["people"]) for c in longquan}["610924105202"] == (240, 980)
    # 篇1: 公益岗233个 = 光伏199 + 人社7 + 林业17 + 乡村综合财力10; 篇5: 37人报名培训, 16人赴武汉就业.
    posts = town["welfare_posts"]
    assert posts["places"] == 233
    assert {s["funding_source"]: s["places"] for s in posts["by_funding_source"]} == {
        "photovoltaic": 199,
        "hrss": 7,
        "forestry": 17,
        "village_fund": 10,
        "other": 0,
    }
    named = {
        p["station_id"] for p in client.get("/api/v1/welfare-posts", params={"limit": 500}).json()["items"]
    }
    stations = {s["id"] for s in client.get("/api/v1/stations", params={"limit": 100}).json()["items"]}
    assert len(stations) == 10 and named - {None} == stations  # the 光伏 posts name projects' stations
    training = area_report(client, "610924105201", "2024-06-30")["training"]
    assert (training["enrolled"], training["placed"]) == (37, 16)
    assert training["by_place"] == [{"place_code": "420100000000", "name": "湖北省武汉市", "placed": 16}]
    # A placement is employment: 黄金村's people working away, before the placements and after.
    before_wuhan = area_report(client, "610924105201", "2024-03-31")["employment"]
    after_wuhan = area_report(client, "610924105201", "2024-06-30")["employment"]
    assert (before_wuhan["away"]["current"], after_wuhan["away"]["current"]) == (0, 16)
    destinations = {d["destination"]: d["current"] for d in after_wuhan["away_by_destination"]}
    assert destinations == {"420000000000": 16}
    # 篇1: the 150万元 central-fund greenhouse in 双丰村, started (the demo has paid 60万 of it), and the
    # village's photovoltaic station, a 2021 project of 80万 handed over as an asset.
    projects = town["projects"]
    assert (projects["projects"], projects["budget_fen"], projects["paid_fen"]) == (
        2,
        230 * 10**6,
        140 * 10**6,
    )
    states = {s["state"]: s["projects"] for s in projects["by_state"]}
    assert (states["started"], states["handed_over"]) == (1, 1)
    # 篇5: 黄金村's team of three, a quarter of check-ins; one member will fall short of 220 days.
    presence = area_report(client, "610924105201", "2024-03-31")["presence"]
    assert (presence["members"], presence["days_present"], presence["behind"]) == (3, 158, 1)
    assert_demo_visits(client)


def assert_demo_oversight(client: httpx.Client, admin: dict[str, str]) -> None:
    """篇4: 黄金村's five rectification items (one overdue, one closed), and 安康市's session log giving
    18 sessions for cadres, 600余人次, and 1,200余人次 of villagers."""
    items = client.get("/api/v1/rectifications", params={"within": "610924105201"}).json()["items"]
    assert sorted(i["state"] for i in items) == ["closed", "in_progress", "in_progress", "open", "submitted"]
    overdue = client.get(
        "/api/v1/rectifications/overdue", params={"area": "610924105201", "as_of": "2025-07-01"}
    )
    assert overdue.json()["items"] == 1
    presence = client.get(
        "/api/v1/reports/area-summary", params={"area": "610900000000", "as_of": "2025-12-31"}, headers=admin
    ).json()["presence"]
    assert (presence["sessions"]["cadre_attendance"], presence["sessions"]["villager_attendance"]) == (
        606,
        1230,
    )
    cadres = sum(k["cadre_sessions"] for k in presence["sessions_by_kind"])
    assert cadres == 18
    # The county's 2025 appraisal scheme scores 黄金村's team, monitoring's and jobs' figures read on the
    # caller's behalf (none missing).
    scores = client.get(
        "/api/v1/appraisal-scores",
        params={"level": "work_team", "area": "610924105201", "as_of": "2025-12-31"},
        headers=admin,
    )
    assert scores.status_code == 200, scores.text
    [team] = scores.json()["items"]
    assert (team["scheme_version"], team["missing"]) == (1, []), team


def assert_demo_visits(client: httpx.Client) -> None:
    """篇1: each 脱贫户 has a cadre who visits at least once a quarter; in the demo one pairing in seven
    is overdue and one visit in 25 found a guarantee problem, which raised an alert."""
    village = "610924105201"
    escaped = client.get("/api/v1/households/count", params={"within": village, "category": "escaped"})
    households = escaped.json()["count"]
    assert households > 100
    # 篇5: two section-level leaders each paired with a whole group, whose households they have not
    # visited yet: each of those pairings is due.
    groups = client.get(f"/api/v1/areas/{village}/groups", params={"limit": 50}).json()["items"]
    grouped = sum(g["households"] for g in groups if g["number"] in {number for _, number in LEADERS})
    assert grouped > 0
    deadline = time.monotonic() + 30  # the pairings reach monitoring by the registry's events
    while (report := client.get("/api/v1/visits/compliance", params={"within": village}).json())[
        "pairings"
    ] < households + grouped and time.monotonic() < deadline:
        time.sleep(0.5)
    overdue = len(range(0, households, 7)) + grouped
    assert (report["pairings"], report["overdue"]) == (households + grouped, overdue)
    assert len(report["by_cadre"]) == 6 + len(LEADERS) and all(i["days_overdue"] > 0 for i in report["items"])
    alerts = client.get("/api/v1/alerts", params={"within": village, "state": "open"}).json()["items"]
    assert sorted(a["risk_code"] for a in alerts) == sorted(
        "medical_insurance" if n % 2 else "unsafe_housing" for n in range(3, households, 25)
    )
