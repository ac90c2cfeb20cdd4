"""The deployment files, taken at their word: the commands and environment deploy/compose.yaml gives its
containers run as local processes against the test database (migration job, then each part), then a
sign-in and an area through the gateway. Also: the manifests name only real settings and commands,
and deploy/check passes when its tools are installed (CI runs deploy/check itself)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fangpin.cli import parser as fangpin_parser
from fangpin.parts import SERVICE_PARTS
from gateway.settings import GatewaySettings
from services.common.settings import RuntimeSettings, ServiceSettings
from tests.support.processes import PartProcess, free_port, wait_ready
from tests.support.registry import member
from tests.support.system import Database, Keys

pytestmark = pytest.mark.processes

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
ENV_EXAMPLE = DEPLOY / "fangpin.env.example"
PARTS = ("registry", "monitoring", "jobs", "gateway")
ADMIN_PASSWORD = "a long enough password"
ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def read_env_file(path: Path) -> dict[str, str]:
    """The part of Compose's env-file syntax that fangpin.env uses: KEY=value lines, # comment lines,
    values in double quotes (with \\n, \\" and \\\\ escapes) or single quotes (taken literally)."""
    values = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), value[1:-1])
        elif len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def env_line(name: str, value: str) -> str:
    """How fangpin.env.example says to write a key: double quotes, line breaks as \\n."""
    escaped = value.strip().replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def filled_in_env_file(tmp_path: Path, keys: Keys) -> Path:
    """fangpin.env as an operator makes it from the example: the keys pasted in the documented form."""
    pasted = {
        "FANGPIN_INTERNAL_TOKEN_PUBLIC_KEY": keys.internal_public,
        "FANGPIN_INTERNAL_TOKEN_PRIVATE_KEY": keys.internal_private,
        "FANGPIN_GATEWAY_TOKEN_SECRET": keys.token_secret,
        "FANGPIN_REGISTRY_NATIONAL_ID_KEY": keys.national_id_key,
        "FANGPIN_SERVICE_TOKEN_SECRET": keys.service_token_secret,
    }
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name = line.partition("=")[0]
        lines.append(env_line(name, pasted[name]) if name in pasted else line)
    path = tmp_path / "fangpin.env"
    path.write_text("\n".join(lines) + "\n")
    return path


class LocalCompose:
    """compose.yaml's fangpin services as local processes: same commands and environment, with the
    `fangpin` entry point, hosts, ports, database URLs and data directory replaced by local ones."""

    def __init__(self, env_file: Path, database: Database, tmp_path: Path) -> None:
        self.services = compose()["services"]
        self.env_file = env_file
        self.database = database
        self.tmp_path = tmp_path
        self.ports = {name: free_port() for name in PARTS}

    def localize(self, value: str) -> str:
        match = re.fullmatch(r"http://([a-z]+):\d+", value)
        if match and match.group(1) in self.ports:
            return f"http://127.0.0.1:{self.ports[match.group(1)]}"
        return value

    def env(self, service: str) -> dict[str, str]:
        given = read_env_file(self.env_file) | self.services[service].get("environment", {})
        env = {name: self.localize(str(value)) for name, value in given.items()}
        env["FANGPIN_DATABASE_URL"] = self.database.app_url
        env["FANGPIN_MIGRATION_DATABASE_URL"] = self.database.owner_url
        env["FANGPIN_DATA_DIR"] = str(self.tmp_path / "data")
        return env

    def command(self, service: str, *extra: str) -> list[str]:
        given = list(self.services[service]["command"]) + list(extra)
        assert given[0] == "fangpin", given
        args = [sys.executable, "-m", "fangpin", *given[1:]]
        for i, arg in enumerate(args[:-1]):
            if arg == "--host":
                args[i + 1] = "127.0.0.1"
            if arg == "--port":
                args[i + 1] = str(self.ports[service])
        return args

    def start(self, service: str) -> PartProcess:
        log_path = self.tmp_path / f"{service}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                self.command(service),
                env=process_env(self.env(service)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return PartProcess(service, self.ports[service], process, log_path, self.env(service))

    def healthcheck(self, service: str) -> subprocess.CompletedProcess[str]:
        """The service's compose healthcheck, with the script from deploy/ and the local port."""
        test = self.services[service]["healthcheck"]["test"]
        assert test[:2] == ["CMD", "fangpin-healthcheck"], test
        command = [sys.executable, str(DEPLOY / "healthcheck.py"), *test[2:], str(self.ports[service])]
        return subprocess.run(command, capture_output=True, text=True, timeout=30)


def process_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FANGPIN_")} | env


def start_order(services: dict[str, Any]) -> list[str]:
    """fangpin's services in an order that honours depends_on (what compose does)."""
    order: list[str] = []

    def visit(name: str) -> None:
        for needed in services[name].get("depends_on", {}):
            visit(needed)
        if name not in order:
            order.append(name)

    for name in PARTS:
        visit(name)
    return [name for name in order if name in PARTS]


@pytest.fixture
def local_compose(clean_database: Database, keys: Keys, tmp_path: Path) -> Iterator[LocalCompose]:
    yield LocalCompose(filled_in_env_file(tmp_path, keys), clean_database, tmp_path)


@pytest.mark.once
def test_compose_runs_as_written_migrate_then_parts_then_a_smoke_flow(local_compose: LocalCompose) -> None:
    services = local_compose.services
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    migrated = subprocess.run(
        local_compose.command("migrate"),
        env=process_env(local_compose.env("migrate")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    running: list[PartProcess] = []
    try:
        for name in start_order(services):
            after = services[name]["depends_on"]
            assert after["migrate"]["condition"] == "service_completed_successfully", name
            running.append(local_compose.start(name))
            wait_ready(running[-1])
            health = local_compose.healthcheck(name)
            assert health.returncode == 0, health.stderr
        assert [part.name for part in running][-1] == "gateway"
        smoke_flow_through_the_gateway(local_compose)
    finally:
        for part in reversed(running):
            part.stop()


def smoke_flow_through_the_gateway(local_compose: LocalCompose) -> None:
    # As compose.yaml's comment says: one-off admin commands run with the migrate service's settings.
    create_admin = [*local_compose.command("migrate")[:3], "users", "create-admin", "operator"]
    created = subprocess.run(
        [*create_admin, "--area", "000000000000"],
        env=process_env(local_compose.env("migrate")),
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    gateway = f"http://127.0.0.1:{local_compose.ports['gateway']}"
    with httpx.Client(base_url=gateway, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": "operator", "password": ADMIN_PASSWORD},
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        area = client.post("/api/v1/areas", json={"code": "610000000000", "name": "陕西省"})
        assert area.status_code == 201, area.text
        read = client.get("/api/v1/areas/610000000000")
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "陕西省"
        # Monitoring reaches the registry on the caller's behalf (FANGPIN_MONITORING_REGISTRY_URL).
        record = {"record_id": "S-1", "national_id": "610924198001010011", "occurred_on": "2025-01-01"}
        feed = client.post("/api/v1/partner-feeds/death/batch", json={"records": [record]})
        assert feed.status_code == 200, feed.text
        assert feed.json()["items"][0]["status"] == "unknown_id"
        registry_events_reach_monitoring(client)


def registry_events_reach_monitoring(client: httpx.Client) -> None:
    """The registry's relay delivers to monitoring over HTTP with the service secret (compose's URLs)."""
    for code, name in (
        ("610900000000", "安康市"),
        ("610924000000", "紫阳县"),
        ("610924105000", "蒿坪镇"),
        ("610924105201", "黄金村"),
    ):
        assert client.post("/api/v1/areas", json={"code": code, "name": name}).status_code == 201
    members = [member("head", name="王建国"), member("child", name="王小明")]
    household = client.post(
        "/api/v1/households", json={"number": "S0001", "area_code": "610924105201", "members": members}
    )
    assert household.status_code == 201, household.text
    child = next(m for m in household.json()["members"] if m["relation"] == "child")
    ill = client.patch(f"/api/v1/people/{child['id']}", json={"base_version": 1, "health": "serious"})
    assert ill.status_code == 200, ill.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        alerts = client.get("/api/v1/alerts", params={"risk_code": "illness"}).json()["items"]
        if alerts:
            assert alerts[0]["household_id"] == household.json()["id"]
            return
        time.sleep(0.3)
    raise AssertionError("the illness never reached monitoring as an alert")


def setting_names() -> list[set[str]]:
    """Each setting's accepted variable names: FANGPIN_<NAME>, or FANGPIN_<PART>_<NAME> for one part."""
    groups = [{f"FANGPIN_{name.upper()}"} for name in RuntimeSettings.model_fields]
    for name in GatewaySettings.model_fields:  # a superset of every service's settings
        parts = PARTS if name in ServiceSettings.model_fields else ("gateway",)
        groups.append({f"FANGPIN_{name.upper()}"} | {f"FANGPIN_{p.upper()}_{name.upper()}" for p in parts})
    for part in SERVICE_PARTS.values():  # settings of one service only
        for name in part.settings_cls.model_fields.keys() - ServiceSettings.model_fields.keys():
            groups.append({f"FANGPIN_{name.upper()}", f"FANGPIN_{part.name.upper()}_{name.upper()}"})
    return groups


def known_settings() -> set[str]:
    return set().union(*setting_names())


def test_the_env_example_and_compose_name_every_setting_and_nothing_else() -> None:
    given = set(read_env_file(ENV_EXAMPLE))
    for service in compose()["services"].values():
        given |= set(service.get("environment", {}))
    fangpin_names = {name for name in given if name.startswith("FANGPIN_")}
    missing = [sorted(group) for group in setting_names() if not group & fangpin_names]
    assert missing == [], "settings missing from deploy/fangpin.env.example"
    assert fangpin_names - known_settings() == set(), "not a fangpin setting (a typo?)"


def kubernetes_containers() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(file, pod spec, container) for every container in deploy/k8s."""
    for path in sorted((DEPLOY / "k8s").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc.get("kind") in ("Deployment", "Job"):
                pod = doc["spec"]["template"]["spec"]
            elif doc.get("kind") == "Pod":
                pod = doc["spec"]
            else:
                continue
            for container in pod["containers"]:
                yield path.name, pod, container


def test_kubernetes_runs_the_compose_commands_with_known_settings_and_enough_grace() -> None:
    services = compose()["services"]
    config = next(
        doc
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / "config.yaml").read_text())
        if doc["kind"] == "ConfigMap"
    )
    assert set(config["data"]) - known_settings() == set()
    seen = set()
    for file, pod, container in kubernetes_containers():
        command = container["command"]
        names = {e["name"] for e in container.get("env", [])} - {"FORWARDED_ALLOW_IPS"}
        assert names - known_settings() == set(), file
        if command[0] == "fangpin":
            fangpin_parser().parse_args(command[1:])  # exits on an option fangpin does not have
        name = container["name"]
        if name in PARTS or name == "migrate":
            seen.add(name)
            assert command[: len(services[name]["command"])] == services[name]["command"], file
        if name in PARTS:
            drain = float(command[command.index("--drain") + 1])
            grace = float(command[command.index("--grace-period") + 1])
            assert pod["terminationGracePeriodSeconds"] > drain + grace, file
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert seen == {*PARTS, "migrate"}


def test_deploy_check_passes_when_its_tools_are_installed() -> None:
    lock_hash = hashlib.sha256((DEPLOY / "tools.lock").read_bytes()).hexdigest()[:16]
    tools = DEPLOY / ".tools"
    if not (tools / "venv" / f".installed-{lock_hash}").exists() or not list(tools.glob("compose-spec-*")):
        pytest.skip("deploy/check's tools are not in deploy/.tools/ (CI runs deploy/check; it installs them)")
    result = subprocess.run([str(DEPLOY / "check")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
