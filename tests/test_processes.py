"""The four parts as separate OS processes on loopback, talking real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.demo_checks import sign_in_over_http
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
