"""The four parts as separate OS processes on loopback, talking real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from fangpin.demo_profile import LEADERS
from tests.support.processes import PartProcess, start_part, start_system, wait_ready
from tests.support.system import Database, Keys, process_env

# What these show is the processes' wiring (HTTP between them, the CLI, a killed part): every query they
# cause runs in the in-process suite on both servers, so one server is enough here.
pytestmark = [pytest.mark.processes, pytest.mark.once]


@pytest.fixture
def parts(clean_database: Database, keys: Keys, tmp_path: Path) -> Iterator[dict[str, PartProcess]]:
    env = process_env(clean_database, keys, FANGPIN_LOG_JSON="true")
    running = start_system(env, tmp_path, {"FANGPIN_GATEWAY_UPSTREAM_TIMEOUT_S": "5"})
    try:
        yield running
    finally:
        for part in running.values():
            part.stop()


def create_admin_with_the_cli(env: dict[str, str], username: str, password: str, *role: str) -> None:
    """`fangpin users create-admin` (or `users create --role R`), the password on standard input, as an
    operator would run it."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env
    command = ["users", "create", username, "--role", *role] if role else ["users", "create-admin", username]
    result = subprocess.run(
        [sys.executable, "-m", "fangpin", *command, "--area", "000000000000"],
        input=password + "\n",
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def sign_in_over_http(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_create_and_read_an_area_through_the_gateway_over_http(parts: dict[str, PartProcess]) -> None:
    gateway = parts["gateway"].url
    create_admin_with_the_cli(parts["gateway"].env, "operator", "a long enough password")
    with httpx.Client(base_url=gateway, timeout=10) as client:
        client.headers.update(sign_in_over_http(client, "operator", "a long enough password"))
        created = client.post(
            "/api/v1/areas",
            json={"code": "610000000000", "name": "陕西省"},
            headers={"X-Request-ID": "multi-1"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == "multi-1"
        read = client.get("/api/v1/areas/610000000000")
        assert read.status_code == 200
        assert read.json()["name"] == "陕西省"
        assert "/api/v1/areas" in client.get("/api/v1/openapi.json").json()["paths"]
    # The operator makes auditors at the command line; an auditor sees that area's creation.
    create_admin_with_the_cli(parts["gateway"].env, "inspector", "another long password", "auditor")
    with httpx.Client(base_url=gateway, timeout=10) as client:
        client.headers.update(sign_in_over_http(client, "inspector", "another long password"))
        events = client.get("/api/v1/audit/events", params={"action": "area.create"}).json()["items"]
        assert [e["resource_id"] for e in events] == ["610000000000"]
    # The request id crossed the hop: the registry's own log line carries it.
    assert '"request_id": "multi-1"' in parts["registry"].log()


def test_oversight_scores_an_appraisal_with_monitorings_and_jobs_figures_from_their_processes(
    parts: dict[str, PartProcess],
) -> None:
    create_admin_with_the_cli(parts["gateway"].env, "operator", "a long enough password")
    chain = [("610000000000", "陕西省"), ("610900000000", "安康市"), ("610924000000", "紫阳县")]
    chain += [("610924105000", "蒿坪镇"), ("610924105201", "黄金村")]
    with httpx.Client(base_url=parts["gateway"].url, timeout=30) as client:
        client.headers.update(sign_in_over_http(client, "operator", "a long enough password"))
        for code, name in chain:
            assert client.post("/api/v1/areas", json={"code": code, "name": name}).status_code == 201
        item = {
            "area_code": "610924105201",
            "source": "self_check",
            "title": "台账不全",
            "problem": "台账不全",
            "measures": "补齐台账",
            "unit_name": "蒿坪镇人民政府",
            "person_name": "李镇长",
            "received_on": "2025-03-11",
            "deadline": "2025-03-30",
        }
        assert client.post("/api/v1/rectifications", json=item).status_code == 201
        rules = [("visit_compliance", 40), ("risk_eliminated", 30), ("labour_employed", 30)]
        scheme = {
            "area_code": "610924000000",
            "year": 2025,
            "level": "village",
            "indicators": [{"indicator": i, "weight": w, "full_at": 100} for i, w in rules],
        }
        assert client.put("/api/v1/appraisal-schemes", json=scheme).status_code == 201
        scores = client.get(
            "/api/v1/appraisal-scores",
            params={"level": "village", "area": "610924105201", "as_of": "2025-12-31"},
        )
        assert scores.status_code == 200, scores.text
        [village] = scores.json()["items"]
        # Every figure read from the other processes: nothing to count yet, but nothing missing.
        assert (village["missing"], village["complete"]) == ([], True), village
        assert {i["status"] for i in village["indicators"]} == {"not_applicable"}
    assert "/api/v1/monitoring-stats" in parts["monitoring"].log()
    assert "/api/v1/employment-stats" in parts["jobs"].log()


def test_killed_registry_gives_503_problem_in_under_two_seconds(parts: dict[str, PartProcess]) -> None:
    create_admin_with_the_cli(parts["gateway"].env, "operator", "a long enough password")
    parts["registry"].stop(signal.SIGKILL)
    with httpx.Client(base_url=parts["gateway"].url, timeout=10) as client:
        client.headers.update(sign_in_over_http(client, "operator", "a long enough password"))
        started = time.perf_counter()
        response = client.get("/api/v1/areas")
        elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "upstream_unavailable"
    assert elapsed < 2.0


def embedded_servers(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_fangpin_serve_on_the_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    # Outside pytest's temp dir, which pytest keeps 0700 (the embedded server runs as its own user).
    data_dir = Path(tempfile.mkdtemp(prefix="fangpin-test-data-"))
    env = {"FANGPIN_DATA_DIR": str(data_dir)}
    first = start_part("all", env, tmp_path, "--demo")
    try:
        wait_ready(first, timeout_s=900)  # the whole demo loads before ready; slow on a busy machine
        assert f"data in {data_dir / 'pgdata'}" in first.log()
        passwords = json.loads((data_dir / "demo-passwords.json").read_text())
        assert "demo accounts" in first.log()
        with httpx.Client(base_url=first.url, timeout=10) as client:
            client.headers.update(sign_in_over_http(client, "county", passwords["county"]))
            assert client.get("/api/v1/areas/610924105201").json()["name"] == "黄金村"  # demo data
            assert_demo_figures(client)
            assert_demo_oversight(client, sign_in_over_http(client, "admin", passwords["admin"]))
            created = client.post("/api/v1/areas", json={"code": "610924105299", "name": "新村"})
            assert created.status_code == 201
            # A demo account changed since: the next --demo start must leave it be, not fail.
            cadre = next(u for u in client.get("/api/v1/users").json()["items"] if u["username"] == "cadre")
            renamed = client.patch(
                f"/api/v1/users/{cadre['id']}", json={"display_name": "新名字", "base_version": 1}
            )
            assert renamed.status_code == 200
    finally:
        assert first.stop() == 0
    assert embedded_servers(data_dir) == [], "the embedded PostgreSQL must stop with fangpin"

    second = start_part("all", env, tmp_path, "--demo")
    try:
        wait_ready(second, timeout_s=900)
        with httpx.Client(base_url=second.url, timeout=10) as client:
            client.headers.update(sign_in_over_http(client, "county", passwords["county"]))
            assert client.get("/api/v1/areas/610924105299").json()["name"] == "新村"
    finally:
        second.stop()


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


def test_sigterm_drains_then_stops(clean_database: Database, keys: Keys, tmp_path: Path) -> None:
    env = process_env(clean_database, keys)
    registry = start_part("registry", env, tmp_path, "--no-migrate", "--drain", "1.5", "--grace-period", "5")
    try:
        wait_ready(registry)
        started = time.monotonic()
        registry.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        # Still serving, but no longer ready: the load balancer stops sending new work.
        ready = httpx.get(f"{registry.url}/readyz", timeout=2)
        assert ready.status_code == 503
        assert ready.json()["checks"]["lifecycle"] == "draining"
        assert httpx.get(f"{registry.url}/healthz", timeout=2).status_code == 200
        registry.process.wait(10)
        assert 1.5 <= time.monotonic() - started < 8
    finally:
        registry.stop()
