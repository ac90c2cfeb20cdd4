"""The four parts as separate OS processes on loopback, talking real HTTP."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.processes import PartProcess, start_part, wait_ready

pytestmark = pytest.mark.processes


@pytest.fixture
def parts(clean_database: str, tmp_path: Path) -> Iterator[dict[str, PartProcess]]:
    env = {"FANGPIN_DATABASE_URL": clean_database, "FANGPIN_LOG_JSON": "true"}
    running: dict[str, PartProcess] = {}
    try:
        for name in ("registry", "monitoring", "jobs"):
            running[name] = start_part(name, env, tmp_path, "--no-migrate")
        gateway_env = env | {
            f"FANGPIN_GATEWAY_{n.upper()}_URL": running[n].url for n in ("registry", "monitoring", "jobs")
        }
        running["gateway"] = start_part(
            "gateway", gateway_env | {"FANGPIN_GATEWAY_UPSTREAM_TIMEOUT_S": "5"}, tmp_path
        )
        for part in running.values():
            wait_ready(part)
        yield running
    finally:
        for part in running.values():
            part.stop()


def test_create_and_read_an_area_through_the_gateway_over_http(parts: dict[str, PartProcess]) -> None:
    gateway = parts["gateway"].url
    with httpx.Client(base_url=gateway, timeout=10) as client:
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
    # The request id crossed the hop: the registry's own log line carries it.
    assert '"request_id": "multi-1"' in parts["registry"].log()


def test_killed_registry_gives_503_problem_in_under_two_seconds(parts: dict[str, PartProcess]) -> None:
    parts["registry"].stop(signal.SIGKILL)
    with httpx.Client(base_url=parts["gateway"].url, timeout=10) as client:
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
    data_dir = tmp_path / "data"
    env = {"FANGPIN_DATA_DIR": str(data_dir)}
    first = start_part("all", env, tmp_path, "--demo")
    try:
        wait_ready(first)
        assert f"data in {data_dir / 'pgdata'}" in first.log()
        with httpx.Client(base_url=first.url, timeout=10) as client:
            assert client.get("/api/v1/areas/610924105201").json()["name"] == "黄金村"  # demo data
            created = client.post("/api/v1/areas", json={"code": "610924105299", "name": "新村"})
            assert created.status_code == 201
    finally:
        assert first.stop() in (0, 143)
    assert embedded_servers(data_dir) == [], "the embedded PostgreSQL must stop with fangpin"

    second = start_part("all", env, tmp_path)
    try:
        wait_ready(second)
        with httpx.Client(base_url=second.url, timeout=10) as client:
            assert client.get("/api/v1/areas/610924105299").json()["name"] == "新村"
    finally:
        second.stop()
