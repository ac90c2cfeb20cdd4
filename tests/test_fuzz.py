"""The quick start as a user runs it, then property-based fuzzing of the whole public API (schemathesis)
against that same install, signed in as each role in turn.

`fangpin serve all --demo` on its own embedded PostgreSQL (the README's first command): the demo loads,
its figures hold, a change made through the API survives a restart, and a second `--demo` start leaves
it be. The fuzzing then runs against the restarted server, from the merged OpenAPI document, on a fixed
seed: every operation, every check (tests/fuzz/schemathesis.toml says where a refusal is rightly
expected), stateful sequences included. FANGPIN_FUZZ_EXAMPLES sets examples per operation (default 30; a
sixth for the read-mostly roles).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from fangpin.demo import DEMO_ADMIN, DEMO_USERS
from services.common.auth import ROLE_PERMISSIONS, Role
from tests.support.authz.matrix import TARGETED, UNTARGETED
from tests.support.demo_checks import (
    assert_demo_figures,
    assert_demo_oversight,
    embedded_servers,
    sign_in_over_http,
)
from tests.support.processes import PartProcess, start_part, wait_ready
from tests.support.system import NO_RATE_LIMITS

pytestmark = [pytest.mark.processes]

CONFIG = Path(__file__).parent / "fuzz" / "schemathesis.toml"
SEED = "20261128"
EXAMPLES = int(os.environ.get("FANGPIN_FUZZ_EXAMPLES", "30"))
# The roles that may write most get every example; the others are refused almost everywhere, where a
# sixth of the examples already shows every refusal is clean. Only the administrator, who reaches every
# operation, runs the coverage phase (boundary values of every parameter): for the others it would
# mostly meet the same parameters again.
FULL_DEPTH = {"admin", "cadre"}
COVERAGE = {"admin"}
# These end the caller's own sign-in; they are fuzzed in a run of their own with a throwaway account.
SESSION_ENDING = ["/api/v1/auth/logout", "/api/v1/users/me/password"]
# Roles that manage accounts go last: their fuzzing may disable or re-password the demo accounts the
# others sign in with (admin after county, whose scope does not reach the national admin).
ROLES = ["partner", "auditor", "ops", "reviewer", "cadre", "county", "admin"]
# The whole demo loads before the server is ready: about a minute alone, minutes on a busy machine.
DEMO_PATIENCE_S = 900


class DemoInstall:
    """One data directory served by `fangpin serve all --demo`, started and stopped as a user would."""

    def __init__(self, data_dir: Path, log_dir: Path) -> None:
        self.data_dir, self.log_dir = data_dir, log_dir
        # The fuzzing's own limits: sign-in failures and rates would otherwise stop it, and cheap password
        # hashing keeps its thousands of sign-ins from costing minutes.
        self.env = {
            "FANGPIN_DATA_DIR": str(data_dir),
            "FANGPIN_GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            "FANGPIN_GATEWAY_LOGIN_MAX_FAILURES_PER_USER": "100000",
            "FANGPIN_GATEWAY_PASSWORD_HASH_TIME_COST": "1",
            "FANGPIN_GATEWAY_PASSWORD_HASH_MEMORY_KIB": "8192",
            "FANGPIN_LOG_LEVEL": "WARNING",
            **NO_RATE_LIMITS,
        }
        self.running: PartProcess | None = None

    def start(self) -> PartProcess:
        assert self.running is None, "already running"
        self.running = start_part("all", self.env, self.log_dir, "--demo")
        wait_ready(self.running, timeout_s=DEMO_PATIENCE_S)
        asyncio.run(self._commit_without_waiting_for_the_disk())
        return self.running

    async def _commit_without_waiting_for_the_disk(self) -> None:
        """The suite's own tuning, as its test databases have it: a commit does not wait for the disk.
        The fuzzing commits tens of thousands of times (every refused write is audited); on a slow disk
        the waits alone took minutes. A user's install keeps PostgreSQL's default."""
        pid = (self.data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
        port, socket_dir = pid[3], pid[4]
        conn = await asyncpg.connect(host=socket_dir, port=int(port), user="postgres", database="postgres")
        try:
            await conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            await conn.fetchval("SELECT pg_reload_conf()")  # the serving connections take it too
        finally:
            await conn.close()

    def stop(self) -> int | None:
        part, self.running = self.running, None
        return part.stop() if part else None

    def passwords(self) -> dict[str, str]:
        return json.loads((self.data_dir / "demo-passwords.json").read_text())


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoInstall]:
    # Outside pytest's temp dir, which pytest keeps 0700 (the embedded server runs as its own user).
    data_dir = Path(tempfile.mkdtemp(prefix="fangpin-test-data-"))
    demo = DemoInstall(data_dir, tmp_path_factory.mktemp("demo-logs"))
    try:
        yield demo
    finally:
        demo.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def served(install: DemoInstall) -> PartProcess:
    """The install's server: the one the quick start's test left running, or a first start."""
    return install.running or install.start()


def test_the_quick_start_loads_the_demo_and_keeps_data_across_restarts(install: DemoInstall) -> None:
    first = install.running or install.start()
    assert f"data in {install.data_dir / 'pgdata'}" in first.log()
    assert "demo accounts" in first.log()
    passwords = install.passwords()
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
    assert install.stop() == 0
    assert embedded_servers(install.data_dir) == [], "the embedded PostgreSQL must stop with fangpin"

    second = install.start()  # left running: the fuzzing below works on it
    with httpx.Client(base_url=second.url, timeout=10) as client:
        client.headers.update(sign_in_over_http(client, "county", passwords["county"]))
        assert client.get("/api/v1/areas/610924105299").json()["name"] == "新村"


def operations_of(url: str) -> list[str]:
    """Every operation of the merged document, named as schemathesis names them ("GET /api/v1/…")."""
    document = httpx.get(f"{url}/api/v1/openapi.json", timeout=30).json()
    return sorted(
        f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods
    )


def refused_operations(operations: list[str], username: str) -> list[str]:
    """Those of ``operations`` the demo account ``username`` lacks the permission for. Each refuses such
    a caller before it reads any input (403 permission_denied, whatever the input), and
    tests/test_authorization.py proves that for every role and every operation; fuzzing them again as
    that role would only repeat it (for the read-mostly roles, most of their run)."""
    role = Role(next(r for name, _, r, _ in [DEMO_ADMIN, *DEMO_USERS] if name == username))
    permission_of = {
        (e.method, re.sub(r"{[^}]+}", "{}", e.path.split("?")[0])): e.permission
        for e in (TARGETED | UNTARGETED).values()
    }
    refused = []
    for name in operations:
        method, path = name.split(" ", 1)
        permission = permission_of.get((method, re.sub(r"{[^}]+}", "{}", path)))
        if permission is not None and permission not in ROLE_PERMISSIONS[role]:
            refused.append(name)
    return refused


def access_token(url: str, username: str, password: str) -> str:
    form = {"grant_type": "password", "username": username, "password": password}
    response = httpx.post(f"{url}/api/v1/auth/token", data=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Fuzzing:
    """One `st run` against the server, started at once; ``wait`` gives its report."""

    def __init__(self, url: str, token: str, *extra: str, examples: int = EXAMPLES) -> None:
        command = [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(examples),
            "--seed",
            SEED,
            # One worker: schemathesis' threads hit a CPython 3.11 bug in concurrent ast.parse
            # ("AST constructor recursion depth mismatch") inside hypothesis.
            "--workers",
            "1",
            "--generation-database",
            "none",
            # Schemathesis gives up on an answer after 10 s and reports a network error; in CI the
            # fuzzing shares two cores with a whole test run, so a slow report or export is not a broken one.
            "--request-timeout",
            "60",
            "--no-color",
            "--header",
            f"Authorization: Bearer {token}",
            *extra,
        ]
        # Files, not pipes: two runs at once must not wait on each other's unread output.
        self.output = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            command, stdout=self.output, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
        )

    def wait(self) -> subprocess.CompletedProcess:
        try:
            self.process.wait(timeout=1800)
        finally:
            self.process.kill()
        self.output.seek(0)
        report = self.output.read()
        self.output.close()
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, report, "")


def error_sections(report: str) -> str:
    """The report's ERRORS and FAILURES sections (which the summary at its end only counts)."""
    found = re.findall(r"={5,} (?:ERRORS|FAILURES) ={5,}\n.*?(?=\n={5,} [A-Z]+ ={5,})", report, re.S)
    return "\n".join(found)[:8000]


def assert_clean(result: subprocess.CompletedProcess, who: str, served: PartProcess) -> None:
    summary = error_sections(result.stdout) + "\n" + result.stdout[-4000:]
    if result.returncode != 0:
        # What the server said meanwhile (warnings and errors): a timeout's cause is there, not here.
        summary += "\nthe server's log, last lines:\n" + "\n".join(served.log().splitlines()[-40:])
        # The whole report, since the assertion message keeps only its end.
        report = Path(tempfile.gettempdir()) / f"fangpin-fuzz-{who.replace(' ', '-')}.txt"
        report.write_text(result.stdout)
        summary = f"(full report: {report})\n{summary}"
    assert result.returncode == 0, f"fuzzing as {who} found problems:\n{summary}"
    assert "No issues found" in result.stdout or " passed" in result.stdout, summary


def exactly(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api_as(served: PartProcess, install: DemoInstall, role: str) -> None:
    token = access_token(served.url, role, install.passwords()[role])
    operations = operations_of(served.url)
    refused = refused_operations(operations, role)
    excluded = [arg for path in SESSION_ENDING for arg in ("--exclude-path", path)]
    excluded += [arg for name in refused for arg in ("--exclude-name", name)]
    examples = EXAMPLES if role in FULL_DEPTH else max(EXAMPLES // 6, 5)
    one_by_one = "examples,coverage,fuzzing" if role in COVERAGE else "examples,fuzzing"
    if role not in FULL_DEPTH:
        run = Fuzzing(served.url, token, *excluded, "--phases", f"{one_by_one},stateful", examples=examples)
        assert_clean(run.wait(), role, served)
        return
    # The long runs go as two halves of the operations at once (each operation is generated from the
    # same seed whichever half it is in, so the cases are the same), which keeps both cores busy when
    # the rest of a test run is done; the stateful sequences, which link operations across the halves,
    # then run over all of them.
    reached = [
        name for name in operations if name not in refused and name.split(" ", 1)[1] not in SESSION_ENDING
    ]
    halves = [
        Fuzzing(
            served.url,
            token,
            "--include-name-regex",
            exactly(half),
            "--phases",
            one_by_one,
            examples=examples,
        )
        for half in (reached[0::2], reached[1::2])
    ]
    for number, half in enumerate(halves, start=1):
        assert_clean(half.wait(), f"{role} (half {number})", served)
    stateful = Fuzzing(served.url, token, *excluded, "--phases", "stateful", examples=examples)
    assert_clean(stateful.wait(), f"{role} (stateful)", served)


@pytest.mark.fuzz
def test_fuzz_the_session_ending_operations(served: PartProcess, install: DemoInstall) -> None:
    admin = access_token(served.url, "admin", install.passwords()["admin"])
    throwaway = {
        "username": "fuzz-throwaway",
        "display_name": "fuzz",
        "password": "throwaway password 1",
        "role": "village_cadre",
        "area_code": "610924105201",
    }
    created = httpx.post(
        f"{served.url}/api/v1/users", json=throwaway, headers={"Authorization": f"Bearer {admin}"}, timeout=30
    )
    assert created.status_code in (200, 201), created.text
    token = access_token(served.url, "fuzz-throwaway", "throwaway password 1")
    included = [arg for path in SESSION_ENDING for arg in ("--include-path", path)]
    assert_clean(Fuzzing(served.url, token, *included).wait(), "a throwaway account", served)
